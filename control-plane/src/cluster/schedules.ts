/**
 * Cron schedules for the ClusterDO: save, list, pause, resume, trigger and delete them, and fire
 * the due ones from the one alarm (core/cron decides; this applies). Each tick submits the saved
 * DAG template as a new DAG through the scheduler's own submit, so a tick is as atomic as any DAG.
 */
import type { DagView, StoredJob } from '../contract/jobs';
import { LIMITS } from '../contract/common';
import type { ScheduleSpec, ScheduleView } from '../contract/schedules';
import { nextTick, parseTrigger, planTick, tickJobId, type Trigger } from '../core/cron';
import { validateDag } from '../core/dag';
import { dagState } from '../core/dagActions';
import { fail, ok, type Result } from '../lib/result';
import type { JobsRepo } from './jobsRepo';
import { keptSpecOf, templateOf, type KeptSpec, type ScheduleRow, type SchedulesRepo } from './schedulesRepo';

export interface ScheduleDeps {
  submit(jobs: StoredJob[], dagName: string | null): Result<{ dag: string | null }>;
  cancelDag(id: string): Result<DagView>;
}

/** The longest id a tick adds in front of a template job's: `-yyyymmddThhmmss-`. */
const TICK_ID_EXTRA = 17;

export class Schedules {
  constructor(
    private readonly repo: SchedulesRepo,
    private readonly jobs: JobsRepo,
    private readonly deps: ScheduleDeps,
    /** SCHEDULE_LATE_MS: how late a tick may be before it counts as missed. */
    private readonly lateMs: number,
  ) {}

  /** Everything save would refuse, before the API stores any payload of the template. */
  check(name: string, spec: Pick<ScheduleSpec, 'cron' | 'timezone'> & { dag: { jobs: { id?: string; parents: string[] }[] } }): Result<Trigger> {
    const t = parseTrigger(spec.cron, spec.timezone);
    if (!t.ok) return fail(400, 'bad_request', `schedule ${name}: ${t.message}`);
    const nodes = spec.dag.jobs.map((j, i) => ({ id: j.id ?? `job${i + 1}`, parents: j.parents }));
    const long = nodes.find((n) => name.length + TICK_ID_EXTRA + n.id.length > LIMITS.maxIdLength);
    if (long) return fail(400, 'bad_request', `schedule ${name}: job id ${long.id} is too long for its tick ids (<name>-<tick>-<id> must fit in ${LIMITS.maxIdLength} characters)`);
    const dag = validateDag(nodes, () => undefined);
    if (!dag.ok) return fail(400, 'invalid_dag', `schedule ${name}: ${dag.message}`);
    return ok(t.trigger);
  }

  put(name: string, spec: ScheduleSpec, template: StoredJob[], now: number): Result<ScheduleView> {
    const t = this.check(name, spec);
    if (!t.ok) return t;
    const { dag, ...rest } = spec;
    const kept: KeptSpec = { ...rest, dagName: dag.name ?? null };
    const existing = this.repo.get(name);
    const anchor = existing?.created_at ?? now;
    this.repo.put(name, kept, template, spec.paused ? null : nextTick(t.value, now, anchor), now);
    return ok(this.view(this.repo.get(name)!));
  }

  list(): ScheduleView[] {
    return this.repo.all().map((r) => this.view(r));
  }

  get(name: string): Result<ScheduleView> {
    const row = this.repo.get(name);
    return row ? ok(this.view(row)) : fail(404, 'not_found', `no schedule ${name}`);
  }

  remove(name: string): Result<{ ok: true }> {
    if (!this.repo.get(name)) return fail(404, 'not_found', `no schedule ${name}`);
    this.repo.delete(name);
    return ok({ ok: true });
  }

  /** Pause (no next tick) or resume (the next tick from now; ticks while paused are not made up). */
  setPaused(name: string, paused: boolean, now: number): Result<ScheduleView> {
    const row = this.repo.get(name);
    if (!row) return fail(404, 'not_found', `no schedule ${name}`);
    const spec = keptSpecOf(row);
    this.repo.setSpec(name, { ...spec, paused }, paused ? null : this.next(row, now));
    return ok(this.view(this.repo.get(name)!));
  }

  /** A run now, outside the timetable (overlap policy aside: asked for explicitly). */
  runNow(name: string, now: number): Result<{ schedule: ScheduleView; dag: string }> {
    const row = this.repo.get(name);
    if (!row) return fail(404, 'not_found', `no schedule ${name}`);
    const r = this.fire(row, now);
    if (!r.ok) return r;
    this.repo.ticked(name, row.next_at, now, r.value, 'triggered by hand');
    return ok({ schedule: this.view(this.repo.get(name)!), dag: r.value });
  }

  /** From the alarm: every due schedule ticks once (core/cron planTick). */
  fireDue(now: number): void {
    for (const row of this.repo.due(now)) {
      const spec = keptSpecOf(row);
      const t = parseTrigger(spec.cron, spec.timezone);
      if (!t.ok) {
        this.repo.ticked(row.name, null, now, null, `paused: ${t.message}`); // saved before a rule changed: stop, say why
        continue;
      }
      const previousActive = row.last_dag !== null && this.lastState(row) === 'RUNNING';
      const plan = planTick(t.trigger, { nextAt: row.next_at!, anchor: row.created_at, missed: spec.missed, overlap: spec.overlap, previousActive }, now, this.lateMs);
      if (!plan.fire) {
        this.repo.ticked(row.name, plan.next, plan.tickAt, null, plan.note);
        continue;
      }
      if (plan.cancelPrevious && row.last_dag) this.deps.cancelDag(row.last_dag);
      const r = this.fire(row, plan.tickAt);
      this.repo.ticked(row.name, plan.next, plan.tickAt, r.ok ? r.value : null, r.ok ? plan.note : `not run: ${r.error.message}`);
    }
  }

  nextDue(): number | null {
    return this.repo.nextDue();
  }

  /** One run of the template for `tickAt`: ids `<name>-<tick>-<id>`, TITAN_SCHEDULED_AT in each job's env. */
  private fire(row: ScheduleRow, tickAt: number): Result<string> {
    const iso = new Date(tickAt).toISOString();
    const template = templateOf(row);
    const ids = new Map(template.map((j) => [j.id, tickJobId(row.name, tickAt, j.id)]));
    const jobs = template.map((j) => ({
      ...j,
      id: ids.get(j.id)!,
      parents: j.parents.map((p) => ids.get(p) ?? p),
      env: { ...j.env, TITAN_SCHEDULED_AT: iso, TITAN_SCHEDULE: row.name },
    }));
    const r = this.deps.submit(jobs, `${keptSpecOf(row).dagName ?? row.name} @ ${iso}`);
    return r.ok ? ok(r.value.dag!) : r;
  }

  private next(row: ScheduleRow, now: number): number | null {
    const spec = keptSpecOf(row);
    const t = parseTrigger(spec.cron, spec.timezone);
    return t.ok ? nextTick(t.trigger, now, row.created_at) : null;
  }

  private lastState(row: ScheduleRow): string | null {
    if (!row.last_dag) return null;
    const states = this.jobs.dagJobs(row.last_dag).map((j) => j.state);
    return states.length ? dagState(states) : null;
  }

  private view(row: ScheduleRow): ScheduleView {
    const spec = keptSpecOf(row);
    return {
      name: row.name, cron: spec.cron, timezone: spec.timezone, missed: spec.missed, overlap: spec.overlap, paused: spec.paused,
      jobs: templateOf(row).length, createdAt: row.created_at, nextAt: row.next_at, runs: row.runs,
      lastTickAt: row.last_tick_at, lastDag: row.last_dag, lastState: this.lastState(row), lastNote: row.last_note,
    };
  }
}

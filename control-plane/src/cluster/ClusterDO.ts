// Why this file is long: every RPC method the API calls must be a method of the Durable Object
// class; the schedule, demand and DAG-action ones are short delegates to their own modules.
import { DurableObject } from 'cloudflare:workers';
import type { AgentView, CompleteResponse, HeartbeatRequest, HeartbeatResponse, JobResult, LeaseResponse, RegisterAgentRequest, RegisterAgentResponse } from '../contract/agents';
import { dagId, isService, otherIdForm, isTerminal, type DagView, type DagWaitResponse, type JobView, type ListJobsQuery, type StoredJob } from '../contract/jobs';
import type { DemandResponse, ResourceAsk } from '../contract/resources';
import type { ScheduleSpec, ScheduleView } from '../contract/schedules';
import type { StatsResponse } from '../contract/stats';
import { settingsOf, type Settings } from '../config';
import { earliest, nextAlarmAt } from '../core/alarm';
import { capabilitiesOf } from '../core/choose';
import { decide as decideApproval, decider, timedOut, type Decision } from '../core/approval';
import { maybeReady, validateDag, type DagNode } from '../core/dag';
import { retryFrontier, toCancel, type DagJobFacts } from '../core/dagActions';
import { spawnPlan, underSpawner } from '../core/spawn';
import { asksNothing, totalOf, unschedulableReason } from '../core/resources';
import type { FollowFacts } from '../core/followEnd';
import { logVerdict, type LogVerdict } from '../core/leaseHolder';
import { lastSeenDue } from '../core/lastSeen';
import { graceExpiries } from '../core/restartGrace';
import { serviceChange } from '../core/services';
import type { Env } from '../env';
import { randomId } from '../lib/ids';
import { fail, ok, type Result } from '../lib/result';
import { AgentsRepo, resourcesOf, toAgentView } from './agentsRepo';
import { DemandWatch } from './demandWatch';
import { Consequences } from './consequences';
import { EndWaiters } from './endWaiters';
import { askOf, leaseFactsOf, serviceFactsOf, specOf, storedJobOf, toView } from './jobRow';
import { JobsRepo } from './jobsRepo';
import { LogMark } from './logMark';
import { MetaRepo } from './metaRepo';
import { SpawnRepo } from './spawnRepo';
import { Schedules } from './schedules';
import { SchedulesRepo } from './schedulesRepo';
import { hasTails, storeTails } from './resultTails';
import { appendSystemLines } from './systemLog';
import { dagList, dagView, dagWaitView, statsOf } from './reads';
import { migrate } from './schema';
import { Waiters } from './waiters';

/** A submitted job as submit's checks read it: its place in the graph, its capability and its resource asks. */
type Submitted = DagNode & ResourceAsk & { requirement: string };

/**
 * The scheduler of one cluster, as a thin shell: each method loads rows (jobsRepo, agentsRepo),
 * asks the pure functions in core/ what follows, and stores that. Single-threaded: each method runs
 * to completion against SQLite, so every mutation is a plain synchronous transaction.
 */
export class ClusterDO extends DurableObject<Env> {
  private readonly cfg: Settings;
  private readonly demandWatch: DemandWatch;
  private readonly schedules: Schedules;
  private readonly jobs: JobsRepo;
  private readonly agents: AgentsRepo;
  private readonly meta: MetaRepo;
  private readonly spawns: SpawnRepo;
  private readonly waiters = new Waiters(
    (agentId, max) => this.consequences.takeFor(agentId, max),
    (agentId) => this.jobs.ordersFor(agentId),
    () => this.scheduleAlarm(),
  );
  private readonly consequences: Consequences;
  /** Clients waiting for a job's end (waitJob): answered from scheduleAlarm, which runs after every change, for the jobs that ended. */
  private readonly jobEnds = new EndWaiters<JobView | null>(
    (id) => {
      const state = this.jobs.stateOf(id);
      return state && isTerminal(state) ? toView(this.jobs.get(id)!) : null;
    },
    (id) => {
      const row = this.jobs.get(id);
      return row ? toView(row) : null;
    },
  );
  /** The same for a whole DAG, when one of its jobs ended: one row read (its count of jobs not ended); its jobs are counted once it ended. */
  private readonly dagEnds = new EndWaiters<DagWaitResponse | null>(
    (id) => {
      if (this.jobs.dagOpen(id) !== 0) return null;
      const v = dagWaitView(this.jobs, id);
      return v?.ended ? v : null;
    },
    (id) => dagWaitView(this.jobs, id),
  );
  private alarmAt: number | null = null;
  private readonly logMark: LogMark;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrate(ctx.storage.sql);
    this.cfg = settingsOf(env);
    this.jobs = new JobsRepo(ctx.storage.sql);
    this.agents = new AgentsRepo(ctx.storage.sql);
    this.meta = new MetaRepo(ctx.storage.sql);
    this.spawns = new SpawnRepo(ctx.storage.sql);
    this.logMark = new LogMark(ctx.storage.sql, this.meta, Date.now());
    this.consequences = new Consequences(
      this.jobs,
      this.agents,
      this.meta,
      this.cfg,
      () => this.waiters.wakeSoon(),
      (a) => this.waiters.has(a),
      (a) => this.waiters.notify(a),
      (job, firstSeq, texts) => ctx.waitUntil(appendSystemLines(env, job, firstSeq, texts)),
    );
    this.demandWatch = new DemandWatch(env, this.cfg, this.jobs, this.meta, this.consequences);
    this.schedules = new Schedules(new SchedulesRepo(ctx.storage.sql), this.jobs, {
      submit: (jobs, name) => this.submit(jobs, name, true),
      cancelDag: (id) => this.cancelDag(id),
    }, this.cfg.scheduleLateMs);
    // No agent could heartbeat while this object was down: before any alarm runs, every held lease
    // gets one lease TTL from now to be heartbeated or reported (core/restartGrace).
    const now = Date.now();
    for (const l of graceExpiries(this.jobs.heldLeases(), now, this.cfg.leaseTtlMs)) this.jobs.extendLease(l.id, l.expiresAt);
    // After a restart (deploy, eviction, crash) the alarm may be missing: re-arm from the tables.
    ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm();
      this.scheduleAlarm();
    });
  }

  // ------------------------------------------------------------------ jobs and DAGs

  /** Jobs as the API prepared them (ids assigned, inline payloads stored by hash), atomically. */
  submit(jobs: StoredJob[], dagName: string | null, asDag: boolean): Result<{ dag: string | null; jobs: string[] }> {
    const now = Date.now();
    const check = this.validate(jobs);
    if (!check.ok) return check;
    const byId = new Map(jobs.map((j) => [j.id, j]));
    const spawn = this.spawnOf(jobs);
    if (spawn.kind === 'refuse') return fail(400, 'invalid_dag', spawn.message);
    const dag = spawn.kind === 'join' ? spawn.dag : asDag ? `dag-${now.toString(36)}-${randomId(6)}` : null;
    this.ctx.storage.transactionSync(() => {
      if (dag && spawn.kind !== 'join') this.jobs.insertDag(dag, dagName, now);
      this.jobs.insertRuns(check.value.map((id) => ({ job: byId.get(id)!, dag })), now, spawn.kind === 'join' ? spawn.depth : 0);
      for (const id of maybeReady(jobs)) this.consequences.promote(id, now);
    });
    this.scheduleAlarm();
    return ok({ dag, jobs: check.value });
  }

  /** The explicit spawn: `id` must be running; its jobs that name no parent hang under it (core/spawn). */
  spawn(id: string, jobs: StoredJob[]): Result<{ dag: string | null; jobs: string[] }> {
    const under = this.underSpawner(id, jobs);
    return under.ok ? this.submit(under.value, null, true) : under;
  }

  /** Spawn's checks alone, before the API stores any payload. */
  checkSpawn(id: string, nodes: Submitted[]): Result<{ ok: true }> {
    const under = this.underSpawner(id, nodes);
    return under.ok ? this.checkDag(under.value) : under;
  }

  private underSpawner<T extends DagNode>(id: string, jobs: T[]): Result<T[]> {
    const spawner = this.jobs.get(id) ?? this.jobs.get(otherIdForm(id));
    if (!spawner) return fail(404, 'not_found', `no job ${id}`);
    const under = underSpawner(spawner, jobs);
    return under.ok ? ok(under.jobs) : fail(409, 'conflict', under.message);
  }

  /** Submit's checks (ids, parents, cycles, active conflicts, resources) alone: the API asks before it stores any payload. */
  checkDag(nodes: Submitted[]): Result<{ ok: true }> {
    const check = this.validate(nodes);
    if (!check.ok) return check;
    const spawn = this.spawnOf(nodes);
    return spawn.kind === 'refuse' ? fail(400, 'invalid_dag', spawn.message) : ok({ ok: true });
  }

  /** Parents still running inside a DAG make a submission a spawn: its jobs join that DAG (core/spawn). */
  private spawnOf(nodes: readonly DagNode[]) {
    const ids = new Set(nodes.map((n) => n.id));
    const outside = [...new Set(nodes.flatMap((n) => n.parents))].filter((p) => !ids.has(p));
    return spawnPlan(this.spawns.outsideParents(outside), nodes.length, (d) => this.spawns.dagSize(d), { maxDepth: this.cfg.spawnMaxDepth, maxJobs: this.cfg.spawnMaxJobs });
  }

  private validate(nodes: readonly Submitted[]): Result<string[]> {
    const existing = (id: string) => {
      const state = this.jobs.stateOf(id);
      return state ? { active: !isTerminal(state) } : undefined;
    };
    const check = validateDag(nodes, existing);
    if (!check.ok) return check.conflict ? fail(409, 'conflict', check.message) : fail(400, 'invalid_dag', check.message);
    const asking = nodes.filter((n) => !asksNothing(n));
    if (asking.length) {
      const known = this.agents.all().map((a) => ({ name: a.name, caps: JSON.parse(a.caps) as string[], total: totalOf(resourcesOf(a), false) }));
      for (const n of asking) {
        const why = unschedulableReason(n, known.filter((a) => a.caps.includes(n.requirement)));
        if (why) return fail(400, 'unschedulable', `job ${n.id}: ${why}`);
      }
    }
    return ok(check.order);
  }

  /** One job outside any DAG, answered with its view in the same round trip. */
  submitOne(job: StoredJob): Result<JobView> {
    const r = this.submit([job], null, false);
    return r.ok ? ok(toView(this.jobs.get(job.id)!)) : r;
  }

  cancel(id: string): Result<JobView> {
    const job = this.jobs.get(id);
    if (!job) return fail(404, 'not_found', `no job ${id}`);
    if (isTerminal(job.state)) return fail(409, 'conflict', `job ${id} already ended (${job.state})`);
    const now = Date.now();
    this.consequences.cancelRow(job, now, 'cancelled by user');
    this.consequences.cascade(id, now);
    return this.changed(id);
  }

  stop(id: string): Result<JobView> {
    const job = this.jobs.get(id);
    if (!job || !isService(job.type)) return fail(404, 'not_found', `Service ${id} not found`);
    if (isTerminal(job.state)) return fail(409, 'conflict', `service ${id} already ended (${job.state})`);
    const now = Date.now();
    if (job.state === 'RUNNING' && job.lease_id) {
      this.consequences.order(job, 'stop');
      this.jobs.history(id, job.run, now, 'RUNNING', 'stop requested');
    } else {
      this.jobs.setState(job, 'CANCELLED', now, 'stopped before it started');
      this.consequences.cascade(id, now);
    }
    return this.changed(id);
  }

  /** Approve or reject a job waiting for approval (core/approval). */
  decide(id: string, decision: Decision, by: string | undefined, reason: string | undefined, tokenKind: string): Result<JobView> {
    const job = this.jobs.get(id) ?? this.jobs.get(otherIdForm(id));
    if (!job) return fail(404, 'not_found', `no job ${id}`);
    if (job.state !== 'WAITING_APPROVAL') return fail(409, 'conflict', `job ${id} is not waiting for approval (it is ${job.state})`);
    this.consequences.decide(job, decideApproval(job.type, decision, decider(by, tokenKind), reason), Date.now());
    return this.changed(job.id);
  }

  /**
   * The original SDK's gate protocol: its store key `titan:hitl:status:<gate>` was set. The gate's
   * job (`DAG-<gate>` when it came by SUBMIT_DAG) is decided now if it waits, else when it does.
   */
  decideByStoreKey(gate: string, decision: Decision | 'clear'): void {
    const id = [dagId(gate), gate].find((x) => this.jobs.has(x)) ?? dagId(gate);
    const now = Date.now();
    if (decision === 'clear') return this.meta.clearPreset(id);
    this.meta.presetDecision(id, decision, now);
    const job = this.jobs.get(id);
    if (job?.state === 'WAITING_APPROVAL') {
      this.consequences.decide(job, decideApproval(job.type, decision, 'the TitanStore key', undefined), now);
      this.scheduleAlarm();
    }
  }

  /**
   * A new run of an ended job, and of every descendant that ended without completing (they were
   * cancelled by its failure): the DAG resumes from here. Completed descendants keep their results.
   */
  retry(id: string): Result<JobView> {
    const job = this.jobs.get(id);
    if (!job) return fail(404, 'not_found', `no job ${id}`);
    if (!isTerminal(job.state)) return fail(409, 'conflict', `job ${id} is still active`);
    const rerun = [job, ...this.consequences.unfinishedDescendants(id)];
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.jobs.insertRuns(rerun.map((row) => ({ job: { ...storedJobOf(row), delayMs: 0 }, dag: row.dag })), now);
      for (const row of rerun) this.consequences.promote(row.id, now);
    });
    return this.changed(id);
  }

  getJob(id: string, withHistory = true): Result<JobView> {
    const job = this.jobs.get(id);
    if (!job) return fail(404, 'not_found', `no job ${id}`);
    return ok(toView(job, withHistory ? this.jobs.historyOf(id, job.run) : undefined));
  }

  /** Hold until the job has ended (COMPLETED, FAILED for good, CANCELLED) or `waitMs` passed: its view either way. */
  async waitJob(id: string, waitMs: number): Promise<Result<JobView>> {
    if (!this.jobs.has(id)) return fail(404, 'not_found', `no job ${id}`);
    const view = await this.jobEnds.wait(id, waitMs);
    return view ? ok(view) : fail(404, 'not_found', `no job ${id} (forgotten while waited on)`);
  }

  /** Hold until every job of the DAG has ended or `waitMs` passed: its counts either way. */
  async waitDag(id: string, waitMs: number): Promise<Result<DagWaitResponse>> {
    if (!this.jobs.dag(id)) return fail(404, 'not_found', `no DAG ${id}`);
    const view = await this.dagEnds.wait(id, waitMs);
    return view ? ok(view) : fail(404, 'not_found', `no DAG ${id} (forgotten while waited on)`);
  }

  /** Whether the job is known, and whether its log may still be partly in its old per-job object (logs/shard.ts). */
  logFacts(id: string): { known: boolean; legacyLog: boolean } {
    const known = this.jobs.has(id);
    return { known, legacyLog: known && this.logMark.mayHaveLegacyLog(id) };
  }

  /** May a log batch of `run` under `leaseId` be stored (core/leaseHolder)? 404 for an unknown job, 409 for a stale lease. */
  logWriter(jobId: string, leaseId: string, run: number): Result<{ ok: true }> {
    const verdict = this.logVerdictOf(jobId, leaseId, run);
    if (verdict === 'not_found') return fail(404, 'not_found', `no job ${jobId}`);
    if (verdict === 'stale') return fail(409, 'conflict', `stale lease: ${leaseId} does not hold run ${run} of job ${jobId}`);
    return ok({ ok: true });
  }

  /**
   * The results' log tails stored (cluster/resultTails), before anything of the results is read:
   * the one await of lease and complete (only when there are tails), so what follows still runs as
   * one synchronous transaction.
   */
  private storeResultTails(results: JobResult[]): Promise<JobResult[]> {
    return storeTails(this.env, results, (jobId, leaseId, run) => this.logVerdictOf(jobId, leaseId, run));
  }

  private logVerdictOf(jobId: string, leaseId: string, run: number): LogVerdict {
    const job = this.jobs.get(jobId);
    return logVerdict(job && leaseFactsOf(job), job ? this.jobs.recordedRun(leaseId, jobId) : null, leaseId, run);
  }

  /** What a log follow needs to know when to end (core/followEnd); null for an unknown job. */
  followFacts(id: string): (FollowFacts & { status: JobView['status'] }) | null {
    const job = this.jobs.get(id);
    return job ? { run: job.run, terminal: isTerminal(job.state), leaseOpen: job.lease_id !== null, status: toView(job).status } : null;
  }

  /** `q` comes validated and bounded by the contract's ListJobsQuery. */
  listJobs(q: ListJobsQuery): { jobs: JobView[]; total: number } {
    const page = this.jobs.list(q);
    return { jobs: page.rows.map((r) => toView(r)), total: page.total };
  }

  listDags(limit = 50) {
    return dagList(this.jobs, limit);
  }

  nameDag(id: string, name: string, onlyIfUnnamed: boolean): Result<{ ok: true }> {
    if (!this.jobs.dag(id)) return fail(404, 'not_found', `no DAG ${id}`);
    this.jobs.nameDag(id, name, onlyIfUnnamed);
    return ok({ ok: true });
  }

  getDag(id: string): Result<DagView> {
    return dagView(this.jobs, id);
  }

  /** Cancel every job of a DAG that has not ended (running ones get a cancel order). */
  cancelDag(id: string): Result<DagView> {
    if (!this.jobs.dag(id)) return fail(404, 'not_found', `no DAG ${id}`);
    const ids = toCancel(this.dagFacts(id));
    if (!ids.length) return fail(409, 'conflict', `DAG ${id} has no job left to cancel`);
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      for (const jobId of ids) {
        const row = this.jobs.get(jobId);
        if (row && !isTerminal(row.state)) this.consequences.cancelRow(row, now, 'DAG cancelled by user');
      }
    });
    this.scheduleAlarm();
    return dagView(this.jobs, id);
  }

  /** Retry the failed part of a DAG (core/dagActions retryFrontier): completed jobs keep their results. */
  retryDag(id: string): Result<DagView> {
    if (!this.jobs.dag(id)) return fail(404, 'not_found', `no DAG ${id}`);
    const ids = retryFrontier(this.dagFacts(id));
    if (!ids.length) return fail(409, 'conflict', `DAG ${id} has no failed or cancelled job to retry`);
    for (const jobId of ids) {
      const r = this.retry(jobId);
      if (!r.ok && r.error.status !== 409) return r; // 409: already rerun as a descendant of an earlier one
    }
    return dagView(this.jobs, id);
  }

  private dagFacts(id: string): DagJobFacts[] {
    const rows = this.jobs.dagJobs(id);
    const ids = new Set(rows.map((r) => r.id));
    return rows.map((r) => ({ id: r.id, state: r.state, parents: specOf(r).parents.filter((p) => ids.has(p)) }));
  }

  // ------------------------------------------------------------------ agents

  register(req: RegisterAgentRequest): RegisterAgentResponse {
    const now = Date.now();
    const caps = capabilitiesOf(req.capabilities);
    const requeued: string[] = [];
    // A restarted agent comes back under its name: what its predecessor held is handed out again.
    for (const old of this.agents.idsNamed(req.name)) {
      requeued.push(...this.consequences.releaseAgent(old, now, 'agent restarted', true));
      this.agents.delete(old);
      this.waiters.dismiss(old, true);
    }
    const id = `${req.name}~${randomId(8)}`;
    this.agents.insert({ id, name: req.name, caps, slots: req.slots, ephemeral: req.ephemeral, info: req.info ?? {}, resources: req.resources }, now);
    this.scheduleAlarm();
    return { agentId: id, capabilities: caps, leaseTtlMs: this.cfg.leaseTtlMs, heartbeatMs: this.cfg.heartbeatMs, requeued };
  }

  deregister(agentId: string): Result<{ ok: true }> {
    const agent = this.agents.get(agentId);
    if (!agent) return fail(404, 'not_found', `unknown agent ${agentId}`);
    const now = Date.now();
    this.consequences.releaseAgent(agentId, now, 'agent left', false);
    if (agent.ephemeral) this.agents.delete(agentId);
    else this.agents.setOffline(agentId, now);
    this.waiters.dismiss(agentId);
    this.scheduleAlarm();
    return ok({ ok: true });
  }

  async lease(agentId: string, max: number, waitMs: number, withTails: JobResult[], held: string[] = []): Promise<Result<LeaseResponse>> {
    let agent = this.agents.get(agentId);
    if (!agent?.online) return unknownAgent(agentId);
    let results = withTails;
    if (hasTails(withTails)) {
      results = await this.storeResultTails(withTails);
      // Read again: other calls ran while the tails were being stored.
      agent = this.agents.get(agentId);
      if (!agent?.online) return unknownAgent(agentId);
    }
    const now = Date.now();
    if (lastSeenDue(agent.last_seen, now, this.cfg.agentSilentMs)) this.agents.touch(agentId, now);
    // Before anything is handed out: leases this agent lost (and still holds) come back to it, so
    // a job it finished while cut off is not leased to it a second time.
    this.consequences.reinstate(agentId, held, now);
    const acks = results.length ? this.consequences.applyResults(agentId, results, now) : [];
    const { leases, free } = this.consequences.take(agent, max, now);
    const orders = this.jobs.ordersFor(agentId);
    this.scheduleAlarm();
    // Held only while there is something to wait for: work for free slots, or an order. Results
    // sent along with no new work wanted are acknowledged at once.
    if (leases.length || orders.length || waitMs === 0 || (free === 0 && acks.length)) return ok({ leases, acks, orders });
    // Held with what it asked for: slots freed by results still on their way count when it wakes.
    return this.waiters.wait(agentId, max, acks, waitMs);
  }

  heartbeat(agentId: string, req: HeartbeatRequest): Result<HeartbeatResponse> {
    const agent = this.agents.get(agentId);
    if (!agent || !agent.online) return unknownAgent(agentId);
    const now = Date.now();
    const expiresAt = now + this.cfg.leaseTtlMs;
    if (lastSeenDue(agent.last_seen, now, this.cfg.agentSilentMs)) this.agents.touch(agentId, now);
    // A device back may fit a queued job.
    if (req.gpus && this.agents.setGpus(agentId, req.gpus)) this.waiters.wakeSoon();
    const res: HeartbeatResponse = { expiresAt, orders: [], lost: [] };
    // Leases lost while the agent was out of reach go back to it if nobody took the job since.
    this.consequences.reinstate(agentId, req.leases, now);
    for (const leaseId of req.leases) {
      const job = this.jobs.byLease(leaseId, agentId);
      if (!job) res.lost.push(leaseId);
      else {
        this.jobs.extendLease(job.id, expiresAt);
        if (job.order_action) res.orders.push({ leaseId, jobId: job.id, action: job.order_action });
      }
    }
    for (const s of req.services) {
      const job = this.jobs.byLease(s.leaseId, agentId);
      const change = job && serviceChange(serviceFactsOf(job), s, now);
      if (!job || !change) continue;
      this.jobs.setService(job.id, change.stored);
      if (change.note) this.jobs.history(job.id, job.run, now, 'RUNNING', change.note);
      if (change.releaseChildren) for (const child of this.jobs.childrenOf(job.id)) this.consequences.promote(child, now);
    }
    this.scheduleAlarm();
    return ok(res);
  }

  /** Results in; with `max`, up to that many queued jobs out to the same agent (contract/agents CompleteRequest). */
  async complete(agentId: string, withTails: JobResult[], max = 0, held: string[] = []): Promise<Result<CompleteResponse>> {
    const results = hasTails(withTails) ? await this.storeResultTails(withTails) : withTails;
    const now = Date.now();
    const agent = max > 0 ? this.agents.get(agentId) : undefined;
    // As a lease poll does: what it lost and still holds first, so a job it still runs (or whose
    // result is still on its way) is not handed to it a second time.
    if (agent?.online) this.consequences.reinstate(agentId, held, now);
    const acks = this.consequences.applyResults(agentId, results, now);
    const leases = agent?.online ? this.consequences.take(agent, max, now).leases : [];
    // Slots are free now: the agent's held poll (if any) may take queued work.
    this.waiters.slotsFreed(agentId);
    this.scheduleAlarm();
    return ok({ acks, leases });
  }

  listAgents(): AgentView[] {
    const now = Date.now();
    const held = this.jobs.holdingsByAgent();
    return this.agents.all().map((a) => toAgentView(a, held.get(a.id) ?? [], this.consequences.isAlive(a.id, now), this.waiters.has(a.id) ? now : a.last_seen));
  }

  stats(): StatsResponse {
    return statsOf(this.jobs, this.listAgents(), this.demandWatch.view());
  }

  /** Demand per capability and resource shape, and what the live agents have free (core/demand). */
  demand(): DemandResponse {
    return this.demandWatch.view();
  }

  // ------------------------------------------------------------------ schedules (cluster/schedules)

  checkSchedule(name: string, spec: Parameters<Schedules['check']>[1]): Result<{ ok: true }> {
    const r = this.schedules.check(name, spec);
    return r.ok ? ok({ ok: true }) : r;
  }
  putSchedule(name: string, spec: ScheduleSpec, template: StoredJob[]): Result<ScheduleView> {
    return this.afterSchedules(this.schedules.put(name, spec, template, Date.now()));
  }
  listSchedules(): ScheduleView[] {
    return this.schedules.list();
  }
  getSchedule(name: string): Result<ScheduleView> {
    return this.schedules.get(name);
  }
  deleteSchedule(name: string): Result<{ ok: true }> {
    return this.afterSchedules(this.schedules.remove(name));
  }
  pauseSchedule(name: string, paused: boolean): Result<ScheduleView> {
    return this.afterSchedules(this.schedules.setPaused(name, paused, Date.now()));
  }
  runSchedule(name: string): Result<{ schedule: ScheduleView; dag: string }> {
    return this.afterSchedules(this.schedules.runNow(name, Date.now()));
  }
  private afterSchedules<T>(r: T): T {
    this.scheduleAlarm();
    return r;
  }

  // ------------------------------------------------------------------ time

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const now = Date.now();
    for (const id of this.jobs.expiredLeases(now)) this.consequences.loseLease(id, now, 'lease expired');
    for (const job of this.jobs.retriesDue(now)) {
      this.jobs.queueRetry(job, now);
      this.waiters.wakeSoon();
    }
    for (const id of this.jobs.takeDelaysDue(now)) this.consequences.promote(id, now);
    this.schedules.fireDue(now);
    for (const job of this.jobs.approvalsDue(now)) this.consequences.decide(job, timedOut(specOf(job).approval?.timeoutMs ?? 0), now);
    this.agents.forgetSilentEphemeral(now - this.cfg.agentSilentMs * 5);
    this.jobs.sweep(now, now - this.cfg.jobRetentionMs);
    this.meta.sweep(now - this.cfg.jobRetentionMs);
    await this.demandWatch.check(now);
    this.scheduleAlarm();
  }

  /** Keep the one alarm at the earliest thing that needs time to pass. */
  private scheduleAlarm(): void {
    // Only what ended since can answer a waiting client: one probe per such job or DAG waited on.
    const ended = this.jobs.takeEnded();
    if (this.jobEnds.size) this.jobEnds.check(ended.jobs);
    if (this.dagEnds.size) this.dagEnds.check(ended.dags);
    const due = this.jobs.nextDue(this.cfg.jobRetentionMs);
    const next = nextAlarmAt(earliest(due, this.demandWatch.dueAt(Date.now()), this.schedules.nextDue()), this.alarmAt, Date.now());
    if (next === null) return;
    this.alarmAt = next;
    void this.ctx.storage.setAlarm(next);
  }

  /** After a user action: re-plan the alarm and answer with the job's view. */
  private changed(id: string): Result<JobView> {
    this.scheduleAlarm();
    return ok(toView(this.jobs.get(id)!));
  }
}

const unknownAgent = (agentId: string) => fail(404, 'not_found', `unknown agent ${agentId}: register again`);

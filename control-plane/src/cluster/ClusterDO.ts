import { DurableObject } from 'cloudflare:workers';
import type { Ack, AgentView, HeartbeatRequest, JobResult, Lease, LeaseResponse, Order, RegisterAgentRequest, RegisterAgentResponse } from '../contract/agents';
import type { z } from 'zod';
import { isService, isTerminal, type DagView, type ListJobsQuery, type HistoryEntry, type JobSpec, type JobState, type JobView } from '../contract/jobs';
import type { StatsResponse } from '../contract/stats';
import { fail, ok, type Result } from '../lib/result';
import type { Env } from '../env';
import { chooseJobs, mergeByRank } from './choose';
import { validateDag } from './dag';
import { toLeasedJob, toView, type JobRow, type StoredSpec } from './jobRow';
import { DEFAULT_CONFIG, nextAlarmAt, outcomeOf, outcomeOfExpiry, type SchedulerConfig } from './policy';
import { SCHEMA } from './schema';

/** A job as the API hands it over: ids assigned, inline payloads already stored by hash. */
export type JobInput = Omit<JobSpec, 'payloadB64' | 'id'> & { id: string };

interface AgentRow {
  id: string;
  name: string;
  caps: string;
  slots: number;
  ephemeral: number;
  info: string;
  registered_at: number;
  last_seen: number;
  online: number;
  [k: string]: SqlStorageValue;
}

interface Waiter {
  agentId: string;
  max: number;
  acks: Ack[];
  timer: ReturnType<typeof setTimeout>;
  resolve: (r: Result<LeaseResponse>) => void;
}

const JOB_COLS = '*';

/**
 * The scheduler of one cluster. Single-threaded: each method runs to completion against
 * SQLite, so every mutation is a plain synchronous transaction. Decisions come from the pure
 * functions in dag.ts, policy.ts and choose.ts; this class loads rows, calls them, stores the result.
 */
export class ClusterDO extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly cfg: SchedulerConfig;
  private readonly waiters = new Map<string, Waiter>();
  private wakeScheduled = false;
  private alarmAt: number | null = null;
  private seq: number;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SCHEMA);
    this.cfg = configFrom(env);
    const row = this.sql.exec<{ s: number | null }>('SELECT MAX(seq) AS s FROM jobs').one();
    this.seq = row.s ?? 0;
    // After a restart (deploy, eviction, crash) the alarm may be missing: re-arm from the tables.
    ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm();
      this.scheduleAlarm();
    });
  }

  // ------------------------------------------------------------------ submission

  submit(jobs: JobInput[], dagName: string | null, asDag: boolean): Result<{ dag: string | null; jobs: string[] }> {
    const now = Date.now();
    const existing = (id: string) => {
      const r = this.sql.exec<{ state: JobState }>('SELECT state FROM jobs WHERE id = ?', id).toArray()[0];
      return r ? { active: !isTerminal(r.state) } : undefined;
    };
    const check = validateDag(jobs, existing);
    if (!check.ok) return check.conflict ? fail(409, 'conflict', check.message) : fail(400, 'invalid_dag', check.message);
    const byId = new Map(jobs.map((j) => [j.id, j]));
    const dag = asDag ? `dag-${now.toString(36)}-${randomId(6)}` : null;
    this.ctx.storage.transactionSync(() => {
      if (dag) this.sql.exec('INSERT INTO dags (id, name, created_at) VALUES (?, ?, ?)', dag, dagName, now);
      for (const id of check.order) this.insertJob(byId.get(id)!, dag, now);
      for (const id of check.order) this.promote(id, now);
    });
    this.afterChange();
    return ok({ dag, jobs: check.order });
  }

  /** One job outside any DAG, answered with its view in the same round trip. */
  submitOne(job: JobInput): Result<JobView> {
    const r = this.submit([job], null, false);
    return r.ok ? ok(toView(this.job(job.id)!)) : r;
  }

  private insertJob(j: JobInput, dag: string | null, now: number): void {
    const spec: StoredSpec = {
      file: j.file,
      payloadHash: j.payloadHash ?? null,
      script: j.script ?? null,
      archive: j.archive ?? null,
      args: j.args,
      delayMs: j.delayMs,
      parents: j.parents,
      affinity: j.affinity,
      timeoutMs: j.timeoutMs,
      port: j.port,
      env: j.env,
    };
    const prev = this.sql.exec<{ run: number }>('SELECT run FROM jobs WHERE id = ?', j.id).toArray()[0];
    const run = prev ? prev.run + 1 : 1;
    const readyAt = j.delayMs > 0 ? now + j.delayMs : null;
    this.sql.exec(
      `INSERT OR REPLACE INTO jobs (id, run, dag, type, spec, requirement, priority, seq, state, ready_at, attempts, max_retries, created_at, restarts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'PENDING', ?, 0, ?, ?, 0)`,
      j.id, run, dag, j.type, JSON.stringify(spec), j.requirement, j.priority, ++this.seq, readyAt, j.maxRetries, now,
    );
    this.sql.exec('DELETE FROM edges WHERE child = ?', j.id);
    for (const p of j.parents) this.sql.exec('INSERT INTO edges (parent, child) VALUES (?, ?)', p, j.id);
    this.history(j.id, run, now, 'PENDING', prev ? `run ${run}` : 'submitted');
  }

  /** PENDING → QUEUED when every parent is satisfied and any delay has passed; CANCELLED when a parent can never be. */
  private promote(id: string, now: number): void {
    const job = this.job(id);
    if (!job || job.state !== 'PENDING') return;
    const parents = this.sql
      .exec<{ id: string; state: JobState; type: string; service_state: string | null; last_agent: string | null }>(
        'SELECT j.id, j.state, j.type, j.service_state, j.last_agent FROM edges e JOIN jobs j ON j.id = e.parent WHERE e.child = ?',
        id,
      )
      .toArray();
    const doomed = parents.find((p) => p.state === 'DEAD' || p.state === 'CANCELLED');
    if (doomed) {
      this.setState(job, 'CANCELLED', now, `parent ${doomed.id} ${doomed.state === 'DEAD' ? 'failed' : 'was cancelled'}`);
      this.cascade(id, now);
      return;
    }
    const satisfied = parents.every(
      (p) => p.state === 'COMPLETED' || (isService(p.type as JobSpec['type']) && p.state === 'RUNNING' && p.service_state === 'running'),
    );
    if (!satisfied) return;
    if (job.ready_at !== null && job.ready_at > now) return; // the alarm promotes it
    const spec = JSON.parse(job.spec) as StoredSpec;
    const affinityAgent = spec.affinity ? parents.find((p) => p.last_agent)?.last_agent ?? null : null;
    this.sql.exec("UPDATE jobs SET state = 'QUEUED', ready_at = NULL, affinity_agent = ? WHERE id = ?", affinityAgent, id);
    this.history(id, job.run, now, 'QUEUED', null);
    this.wakeSoon();
  }

  /** Cancel every not-yet-ended descendant; running ones get a cancel order on their next heartbeat. */
  private cascade(id: string, now: number): void {
    const queue = [id];
    const seen = new Set(queue);
    while (queue.length) {
      const cur = queue.shift()!;
      for (const { child } of this.sql.exec<{ child: string }>('SELECT child FROM edges WHERE parent = ?', cur)) {
        if (seen.has(child)) continue;
        seen.add(child);
        const c = this.job(child);
        if (!c || isTerminal(c.state)) continue;
        this.cancelRow(c, now, `parent ${cur} did not complete`);
        queue.push(child);
      }
    }
  }

  private cancelRow(job: JobRow, now: number, note: string): void {
    if (job.state === 'RUNNING' && job.lease_id) {
      this.sql.exec("UPDATE jobs SET order_action = 'cancel' WHERE id = ?", job.id);
    }
    this.setState(job, 'CANCELLED', now, note);
  }

  // ------------------------------------------------------------------ user actions

  cancel(id: string): Result<JobView> {
    const job = this.job(id);
    if (!job) return fail(404, 'not_found', `no job ${id}`);
    if (isTerminal(job.state)) return fail(409, 'conflict', `job ${id} already ended (${job.state})`);
    const now = Date.now();
    this.cancelRow(job, now, 'cancelled by user');
    this.cascade(id, now);
    this.afterChange();
    return ok(toView(this.job(id)!));
  }

  stop(id: string): Result<JobView> {
    const job = this.job(id);
    if (!job || !isService(job.type)) return fail(404, 'not_found', `Service ${id} not found`);
    if (isTerminal(job.state)) return fail(409, 'conflict', `service ${id} already ended (${job.state})`);
    const now = Date.now();
    if (job.state === 'RUNNING' && job.lease_id) {
      this.sql.exec("UPDATE jobs SET order_action = 'stop' WHERE id = ?", id);
      this.history(id, job.run, now, 'RUNNING', 'stop requested');
    } else {
      this.setState(job, 'CANCELLED', now, 'stopped before it started');
      this.cascade(id, now);
    }
    this.afterChange();
    return ok(toView(this.job(id)!));
  }

  /**
   * A new run of an ended job, and of every descendant that ended without completing (they were
   * cancelled by its failure): the DAG resumes from here. Completed descendants keep their results.
   */
  retry(id: string): Result<JobView> {
    const job = this.job(id);
    if (!job) return fail(404, 'not_found', `no job ${id}`);
    if (!isTerminal(job.state)) return fail(409, 'conflict', `job ${id} is still active`);
    const rerun = [job, ...this.unfinishedDescendants(id)];
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      for (const row of rerun) this.insertJob({ ...inputOf(row), delayMs: 0 }, row.dag, now);
      for (const row of rerun) this.promote(row.id, now);
    });
    this.afterChange();
    return ok(toView(this.job(id)!));
  }

  /** Descendants that ended CANCELLED or DEAD, parents before children. */
  private unfinishedDescendants(id: string): JobRow[] {
    const out: JobRow[] = [];
    const seen = new Set([id]);
    const queue = [id];
    while (queue.length) {
      const cur = queue.shift()!;
      for (const { child } of this.sql.exec<{ child: string }>('SELECT child FROM edges WHERE parent = ?', cur).toArray()) {
        if (seen.has(child)) continue;
        seen.add(child);
        const c = this.job(child);
        if (!c || (c.state !== 'CANCELLED' && c.state !== 'DEAD')) continue;
        out.push(c);
        queue.push(child);
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ reads

  getJob(id: string, withHistory = true): Result<JobView> {
    const job = this.job(id);
    if (!job) return fail(404, 'not_found', `no job ${id}`);
    return ok(toView(job, withHistory ? this.historyOf(id, job.run) : undefined));
  }

  hasJob(id: string): boolean {
    return this.sql.exec('SELECT 1 FROM jobs WHERE id = ?', id).toArray().length > 0;
  }

  /** `q` comes validated and bounded by the contract's ListJobsQuery. */
  listJobs(q: z.output<typeof ListJobsQuery>): JobView[] {
    const where: string[] = [];
    const args: SqlStorageValue[] = [];
    if (q.state) (where.push('state = ?'), args.push(q.state));
    if (q.dag) (where.push('dag = ?'), args.push(q.dag));
    const sql = `SELECT ${JOB_COLS} FROM jobs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ?`;
    return this.sql.exec<JobRow>(sql, ...args, q.limit).toArray().map((r) => toView(r));
  }

  listDags(limit = 50) {
    const dags = this.sql.exec<{ id: string; name: string | null; created_at: number }>('SELECT * FROM dags ORDER BY created_at DESC LIMIT ?', limit).toArray();
    return {
      dags: dags.map((d) => {
        const counts: Record<string, number> = {};
        for (const r of this.sql.exec<{ state: string; n: number }>('SELECT state, COUNT(*) AS n FROM jobs WHERE dag = ? GROUP BY state', d.id)) counts[r.state] = r.n;
        return { id: d.id, name: d.name, createdAt: d.created_at, counts };
      }),
    };
  }

  nameDag(id: string, name: string, onlyIfUnnamed: boolean): Result<{ ok: true }> {
    const cur = this.sql.exec('SELECT 1 FROM dags WHERE id = ?', id).toArray();
    if (!cur.length) return fail(404, 'not_found', `no DAG ${id}`);
    this.sql.exec(`UPDATE dags SET name = ? WHERE id = ?${onlyIfUnnamed ? ' AND name IS NULL' : ''}`, name, id);
    return ok({ ok: true });
  }

  getDag(id: string): Result<DagView> {
    const d = this.sql.exec<{ id: string; name: string | null; created_at: number }>('SELECT * FROM dags WHERE id = ?', id).toArray()[0];
    if (!d) return fail(404, 'not_found', `no DAG ${id}`);
    const jobs = this.sql.exec<JobRow>('SELECT * FROM jobs WHERE dag = ? ORDER BY seq', id).toArray();
    const ids = new Set(jobs.map((j) => j.id));
    const edges: [string, string][] = [];
    for (const j of jobs) for (const p of (JSON.parse(j.spec) as StoredSpec).parents) if (ids.has(p)) edges.push([p, j.id]);
    return ok({ id: d.id, name: d.name, createdAt: d.created_at, jobs: jobs.map((j) => toView(j)), edges });
  }

  // ------------------------------------------------------------------ agents

  register(req: RegisterAgentRequest & { capabilities: string[]; slots: number; ephemeral: boolean; info: Record<string, unknown> }): RegisterAgentResponse {
    const now = Date.now();
    const caps = [...new Set(['GENERAL', ...req.capabilities.map((c) => c.toUpperCase())])];
    const requeued: string[] = [];
    // A restarted agent comes back under its name: what its predecessor held is handed out again.
    for (const old of this.sql.exec<{ id: string }>('SELECT id FROM agents WHERE name = ?', req.name).toArray()) {
      requeued.push(...this.releaseAgent(old.id, now, 'agent restarted', true));
      this.sql.exec('DELETE FROM agents WHERE id = ?', old.id);
      this.waiters.get(old.id)?.resolve(ok({ leases: [], acks: [] }));
    }
    const id = `${req.name}~${randomId(8)}`;
    this.sql.exec(
      'INSERT INTO agents (id, name, caps, slots, ephemeral, info, registered_at, last_seen, online) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)',
      id, req.name, JSON.stringify(caps), req.slots, req.ephemeral ? 1 : 0, JSON.stringify(req.info ?? {}), now, now,
    );
    this.afterChange();
    return { agentId: id, capabilities: caps, leaseTtlMs: this.cfg.leaseTtlMs, heartbeatMs: this.cfg.heartbeatMs, requeued };
  }

  deregister(agentId: string): Result<{ ok: true }> {
    const agent = this.agent(agentId);
    if (!agent) return fail(404, 'not_found', `unknown agent ${agentId}`);
    const now = Date.now();
    // Handed back on purpose: the attempt does not count against the job.
    this.releaseAgent(agentId, now, 'agent left', false);
    if (agent.ephemeral) this.sql.exec('DELETE FROM agents WHERE id = ?', agentId);
    else this.sql.exec('UPDATE agents SET online = 0, last_seen = ? WHERE id = ?', now, agentId);
    const w = this.waiters.get(agentId);
    if (w) this.finishWaiter(w, []);
    this.afterChange();
    return ok({ ok: true });
  }

  /** Re-queue (or end) every job an agent holds. Returns the ids re-queued. */
  private releaseAgent(agentId: string, now: number, why: string, countAttempt: boolean): string[] {
    const out: string[] = [];
    for (const job of this.sql.exec<JobRow>('SELECT * FROM jobs WHERE agent_id = ? AND lease_id IS NOT NULL', agentId).toArray()) {
      if (!countAttempt) this.sql.exec('UPDATE jobs SET attempts = MAX(attempts - 1, 0) WHERE id = ?', job.id);
      if (this.expireLease({ ...job, attempts: countAttempt ? job.attempts : Math.max(job.attempts - 1, 0) }, now, why) === 'QUEUED') out.push(job.id);
    }
    return out;
  }

  async lease(agentId: string, max: number, waitMs: number, results: JobResult[]): Promise<Result<LeaseResponse>> {
    const agent = this.agent(agentId);
    if (!agent || !agent.online) return fail(404, 'not_found', `unknown agent ${agentId}: register again`);
    const now = Date.now();
    this.sql.exec('UPDATE agents SET last_seen = ? WHERE id = ?', now, agentId);
    const acks = results.length ? this.applyResults(agentId, results, now) : [];
    const free = Math.min(max, agent.slots - this.runningOn(agentId));
    const leases = free > 0 ? this.take(agent, free, now) : [];
    this.afterChange();
    if (leases.length || waitMs === 0 || free <= 0) return ok({ leases, acks });
    this.waiters.get(agentId)?.resolve(ok({ leases: [], acks: [] }));
    return new Promise((resolve) => {
      const w: Waiter = {
        agentId,
        max: free,
        acks,
        resolve: (r) => {
          clearTimeout(w.timer);
          if (this.waiters.get(agentId) === w) this.waiters.delete(agentId);
          resolve(r);
        },
        timer: setTimeout(() => w.resolve(ok({ leases: [], acks })), waitMs),
      };
      this.waiters.set(agentId, w);
    });
  }

  private finishWaiter(w: Waiter, leases: Lease[]): void {
    w.resolve(ok({ leases, acks: w.acks }));
  }

  /** Hand queued jobs to waiting agents; coalesced so a DAG submit wakes pollers once. */
  private wakeSoon(): void {
    if (this.wakeScheduled || this.waiters.size === 0) return;
    this.wakeScheduled = true;
    queueMicrotask(() => {
      this.wakeScheduled = false;
      const now = Date.now();
      let handed = false;
      for (const w of [...this.waiters.values()]) {
        const agent = this.agent(w.agentId);
        if (!agent) {
          this.finishWaiter(w, []);
          continue;
        }
        const leases = this.take(agent, w.max, now);
        if (leases.length) {
          handed = true;
          this.finishWaiter(w, leases);
        }
      }
      if (handed) this.scheduleAlarm();
    });
  }

  private take(agent: AgentRow, max: number, now: number): Lease[] {
    const caps: string[] = JSON.parse(agent.caps);
    const capSet = new Set(caps);
    const limit = max * 4 + 16;
    // One ordered index walk per capability (no sort of the whole queue), merged in memory.
    const rows = mergeByRank(
      caps.map((cap) =>
        this.sql
          .exec<{ id: string; requirement: string; affinity_agent: string | null; priority: number; seq: number }>(
            "SELECT id, requirement, affinity_agent, priority, seq FROM jobs WHERE state = 'QUEUED' AND requirement = ? ORDER BY priority DESC, seq ASC LIMIT ?",
            cap, limit,
          )
          .toArray()
          .map((r) => ({ id: r.id, requirement: r.requirement, affinityAgent: r.affinity_agent, priority: r.priority, seq: r.seq })),
      ),
    );
    const chosen = chooseJobs(rows, { id: agent.id, capabilities: capSet }, (a) => this.isAlive(a, now), max);
    const expires = now + this.cfg.leaseTtlMs;
    const leases: Lease[] = [];
    for (const c of chosen) {
      const leaseId = `L${randomId(14)}`;
      this.sql.exec(
        `UPDATE jobs SET state = 'RUNNING', attempts = attempts + 1, lease_id = ?, agent_id = ?, lease_expires = ?, last_agent = ?,
           node = ?, started_at = ?, order_action = NULL, service_state = CASE WHEN service_state IS NULL THEN NULL ELSE 'starting' END
         WHERE id = ?`,
        leaseId, agent.id, expires, agent.id, agent.name, now, c.id,
      );
      const row = this.job(c.id)!;
      this.history(c.id, row.run, now, 'RUNNING', `attempt ${row.attempts} on ${agent.name}`);
      leases.push({ leaseId, expiresAt: expires, job: toLeasedJob(row) });
    }
    return leases;
  }

  heartbeat(agentId: string, req: Required<HeartbeatRequest>): Result<{ expiresAt: number; orders: Order[]; lost: string[] }> {
    const agent = this.agent(agentId);
    if (!agent || !agent.online) return fail(404, 'not_found', `unknown agent ${agentId}: register again`);
    const now = Date.now();
    const expiresAt = now + this.cfg.leaseTtlMs;
    this.sql.exec('UPDATE agents SET last_seen = ? WHERE id = ?', now, agentId);
    const orders: Order[] = [];
    const lost: string[] = [];
    for (const leaseId of req.leases) {
      const job = this.sql.exec<JobRow>('SELECT * FROM jobs WHERE lease_id = ? AND agent_id = ?', leaseId, agentId).toArray()[0];
      if (!job) {
        lost.push(leaseId);
        continue;
      }
      this.sql.exec('UPDATE jobs SET lease_expires = ? WHERE id = ?', expiresAt, job.id);
      if (job.order_action) orders.push({ leaseId, jobId: job.id, action: job.order_action });
    }
    for (const s of req.services) {
      const job = this.sql.exec<JobRow>('SELECT * FROM jobs WHERE lease_id = ? AND agent_id = ?', s.leaseId, agentId).toArray()[0];
      if (!job || job.state !== 'RUNNING') continue;
      if (job.service_state !== s.state || job.restarts !== s.restarts) {
        this.sql.exec('UPDATE jobs SET service_state = ?, restarts = ? WHERE id = ?', s.state, s.restarts, job.id);
        if (s.state !== job.service_state) this.history(job.id, job.run, now, 'RUNNING', `service ${s.state}${s.restarts ? ` (restarts ${s.restarts})` : ''}`);
        // A running service satisfies its children: they may start now.
        if (s.state === 'running') for (const { child } of this.sql.exec<{ child: string }>('SELECT child FROM edges WHERE parent = ?', job.id).toArray()) this.promote(child, now);
      }
    }
    this.afterChange();
    return ok({ expiresAt, orders, lost });
  }

  complete(agentId: string, results: JobResult[]): Result<{ acks: Ack[] }> {
    const acks = this.applyResults(agentId, results, Date.now());
    this.afterChange();
    return ok({ acks });
  }

  private applyResults(agentId: string, results: JobResult[], now: number): Ack[] {
    const acks: Ack[] = [];
    for (const r of results) {
      const seen = this.sql.exec('SELECT 1 FROM lease_results WHERE lease_id = ?', r.leaseId).toArray().length > 0;
      if (seen) {
        acks.push({ leaseId: r.leaseId, accepted: true, reason: 'already recorded' });
        continue;
      }
      const job = this.sql.exec<JobRow>('SELECT * FROM jobs WHERE lease_id = ? AND agent_id = ?', r.leaseId, agentId).toArray()[0];
      if (!job) {
        acks.push({ leaseId: r.leaseId, accepted: false, reason: 'stale lease: the job was handed to another agent or ended' });
        continue;
      }
      this.sql.exec('INSERT INTO lease_results (lease_id, job_id, ts) VALUES (?, ?, ?)', r.leaseId, job.id, now);
      this.sql.exec(
        'UPDATE jobs SET lease_id = NULL, agent_id = NULL, lease_expires = NULL, order_action = NULL, exit_code = ?, error = ?, service_state = CASE WHEN service_state IS NULL THEN NULL ELSE \'stopped\' END WHERE id = ?',
        r.exitCode ?? null, r.error ?? null, job.id,
      );
      acks.push({ leaseId: r.leaseId, accepted: true });
      if (job.state !== 'RUNNING') continue; // cancelled while it ran: the order was carried out
      const out = outcomeOf(
        { status: r.status, exitCode: r.exitCode ?? null, error: r.error ?? null },
        { attempts: job.attempts, maxRetries: job.max_retries },
        now,
        this.cfg,
      );
      this.finishRun(job, out.state, now, out.note, out.state === 'FAILED' ? out.readyAt : null);
    }
    return acks;
  }

  /** Apply the end of an attempt and its consequences for the DAG. */
  private finishRun(job: JobRow, state: JobState, now: number, note: string, readyAt: number | null): void {
    this.setState(job, state, now, note);
    if (state === 'FAILED') this.sql.exec('UPDATE jobs SET ready_at = ? WHERE id = ?', readyAt, job.id);
    if (state === 'COMPLETED') {
      for (const { child } of this.sql.exec<{ child: string }>('SELECT child FROM edges WHERE parent = ?', job.id).toArray()) this.promote(child, now);
    } else if (state === 'DEAD' || state === 'CANCELLED') {
      this.cascade(job.id, now);
    }
  }

  /** An expired or abandoned lease. Returns the state the job ends up in. */
  private expireLease(job: JobRow, now: number, why: string): JobState {
    this.sql.exec('UPDATE jobs SET lease_id = NULL, agent_id = NULL, lease_expires = NULL WHERE id = ?', job.id);
    if (job.state !== 'RUNNING') return job.state; // already ended (e.g. cancelled): nothing more to do
    if (job.order_action === 'stop') {
      this.finishRun(job, 'COMPLETED', now, `service stopped (${why})`, null);
      return 'COMPLETED';
    }
    const next = outcomeOfExpiry({ attempts: job.attempts, maxRetries: job.max_retries });
    if (next === 'QUEUED') {
      this.sql.exec("UPDATE jobs SET state = 'QUEUED', order_action = NULL, service_state = CASE WHEN service_state IS NULL THEN NULL ELSE 'starting' END WHERE id = ?", job.id);
      this.history(job.id, job.run, now, 'QUEUED', `${why}; re-queued`);
      this.wakeSoon();
    } else {
      this.finishRun(job, 'DEAD', now, `${why}; no retries left`, null);
    }
    return next;
  }

  listAgents(): AgentView[] {
    const now = Date.now();
    const running = new Map<string, string[]>();
    for (const r of this.sql.exec<{ id: string; agent_id: string }>('SELECT id, agent_id FROM jobs WHERE lease_id IS NOT NULL').toArray()) {
      (running.get(r.agent_id) ?? running.set(r.agent_id, []).get(r.agent_id)!).push(r.id);
    }
    return this.sql
      .exec<AgentRow>('SELECT * FROM agents ORDER BY registered_at')
      .toArray()
      .map((a) => ({
        id: a.id,
        name: a.name,
        capabilities: JSON.parse(a.caps),
        slots: a.slots,
        running: running.get(a.id)?.length ?? 0,
        ephemeral: a.ephemeral === 1,
        alive: this.isAlive(a.id, now),
        lastSeen: this.waiters.has(a.id) ? now : a.last_seen,
        registeredAt: a.registered_at,
        info: JSON.parse(a.info),
        jobs: running.get(a.id) ?? [],
      }));
  }

  stats(): StatsResponse {
    const agents = this.listAgents();
    const counts = { PENDING: 0, QUEUED: 0, RUNNING: 0, FAILED: 0, DEAD: 0, COMPLETED: 0, CANCELLED: 0 } as Record<JobState, number>;
    for (const r of this.sql.exec<{ state: JobState; n: number }>('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state')) counts[r.state] = r.n;
    const queueByRequirement: Record<string, number> = {};
    for (const r of this.sql.exec<{ requirement: string; n: number }>("SELECT requirement, COUNT(*) AS n FROM jobs WHERE state = 'QUEUED' GROUP BY requirement")) queueByRequirement[r.requirement] = r.n;
    const services = this.sql
      .exec<JobRow>("SELECT * FROM jobs WHERE type IN ('SERVICE', 'ARCHIVE_SERVICE') AND state IN ('QUEUED', 'RUNNING') ORDER BY seq")
      .toArray()
      .map((j) => ({ id: j.id, agentId: j.agent_id, node: j.node, port: (JSON.parse(j.spec) as StoredSpec).port, state: j.state === 'RUNNING' ? j.service_state ?? 'starting' : 'queued', restarts: j.restarts }));
    return {
      agents,
      activeAgents: agents.filter((a) => a.alive).length,
      queueDepth: counts.QUEUED,
      queueByRequirement,
      counts,
      services,
    };
  }

  // ------------------------------------------------------------------ time

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const now = Date.now();
    for (const job of this.sql.exec<JobRow>('SELECT * FROM jobs WHERE lease_id IS NOT NULL AND lease_expires <= ?', now).toArray()) {
      this.expireLease(job, now, 'lease expired');
    }
    for (const job of this.sql.exec<JobRow>("SELECT * FROM jobs WHERE state = 'FAILED' AND ready_at <= ?", now).toArray()) {
      this.sql.exec("UPDATE jobs SET state = 'QUEUED', ready_at = NULL WHERE id = ?", job.id);
      this.history(job.id, job.run, now, 'QUEUED', 'retry');
      this.wakeSoon();
    }
    for (const job of this.sql.exec<JobRow>("SELECT * FROM jobs WHERE state = 'PENDING' AND ready_at <= ?", now).toArray()) {
      // The delay is over; from now on only its parents hold it back.
      this.sql.exec('UPDATE jobs SET ready_at = NULL WHERE id = ?', job.id);
      this.promote(job.id, now);
    }
    // Ephemeral agents that went silent are forgotten (their leases expire on their own).
    this.sql.exec('DELETE FROM agents WHERE ephemeral = 1 AND last_seen < ? AND id NOT IN (SELECT agent_id FROM jobs WHERE agent_id IS NOT NULL)', now - this.cfg.agentSilentMs * 5);
    this.sql.exec('DELETE FROM lease_results WHERE ts < ?', now - 24 * 3600_000);
    this.forgetEndedJobs(now - this.cfg.jobRetentionMs);
    // Safety net for the invariants scheduleAlarm relies on: a stray due time would re-fire forever.
    this.sql.exec("UPDATE jobs SET ready_at = NULL WHERE ready_at <= ? AND state NOT IN ('PENDING', 'FAILED')", now);
    this.sql.exec('UPDATE jobs SET lease_expires = NULL WHERE lease_expires <= ? AND lease_id IS NULL', now);
    this.scheduleAlarm();
  }

  /** Retention: ended jobs finished before `cutoff` go, with their history, edges and emptied DAGs. */
  private forgetEndedJobs(cutoff: number): void {
    const old = "SELECT id FROM jobs WHERE state IN ('COMPLETED', 'DEAD', 'CANCELLED') AND finished_at <= ?";
    this.sql.exec(`DELETE FROM history WHERE job_id IN (${old})`, cutoff);
    this.sql.exec(`DELETE FROM edges WHERE child IN (${old})`, cutoff);
    this.sql.exec("DELETE FROM jobs WHERE state IN ('COMPLETED', 'DEAD', 'CANCELLED') AND finished_at <= ?", cutoff);
    this.sql.exec('DELETE FROM dags WHERE id NOT IN (SELECT dag FROM jobs WHERE dag IS NOT NULL)');
  }

  private afterChange(): void {
    this.scheduleAlarm();
  }

  /** Keep the one alarm at the earliest thing that needs time to pass. */
  private scheduleAlarm(): void {
    const r = this.sql
      .exec<{ t: number | null }>(
        // Each MIN is one index probe: lease_expires is set only while a lease is held, ready_at only
        // while PENDING on a delay or FAILED awaiting a retry, finished_at only once a run has ended.
        `SELECT MIN(t) AS t FROM (
           SELECT MIN(lease_expires) AS t FROM jobs
           UNION ALL SELECT MIN(ready_at) FROM jobs
           UNION ALL SELECT MIN(finished_at) + ? FROM jobs)`,
        this.cfg.jobRetentionMs,
      )
      .one();
    const next = nextAlarmAt(r.t, this.alarmAt, Date.now());
    if (next === null) return;
    this.alarmAt = next;
    void this.ctx.storage.setAlarm(next);
  }

  // ------------------------------------------------------------------ helpers

  private job(id: string): JobRow | undefined {
    return this.sql.exec<JobRow>('SELECT * FROM jobs WHERE id = ?', id).toArray()[0];
  }

  private agent(id: string): AgentRow | undefined {
    return this.sql.exec<AgentRow>('SELECT * FROM agents WHERE id = ?', id).toArray()[0];
  }

  private runningOn(agentId: string): number {
    return this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM jobs WHERE agent_id = ? AND lease_id IS NOT NULL', agentId).one().n;
  }

  private isAlive(agentId: string, now: number): boolean {
    if (this.waiters.has(agentId)) return true;
    const a = this.agent(agentId);
    return !!a && a.online === 1 && now - a.last_seen < this.cfg.agentSilentMs;
  }

  private setState(job: JobRow, state: JobState, now: number, note: string | null): void {
    if (isTerminal(state)) this.sql.exec('UPDATE jobs SET state = ?, finished_at = ?, ready_at = NULL WHERE id = ?', state, now, job.id);
    else this.sql.exec('UPDATE jobs SET state = ? WHERE id = ?', state, job.id);
    this.history(job.id, job.run, now, state, note);
  }

  private history(id: string, run: number, ts: number, state: JobState, note: string | null): void {
    this.sql.exec('INSERT INTO history (job_id, run, ts, state, note) VALUES (?, ?, ?, ?, ?)', id, run, ts, state, note);
  }

  private historyOf(id: string, run: number): HistoryEntry[] {
    return this.sql.exec<HistoryEntry & Record<string, SqlStorageValue>>('SELECT ts, state, note FROM history WHERE job_id = ? AND run = ? ORDER BY rowid', id, run).toArray().map((h) => ({ ts: h.ts, state: h.state, note: h.note }));
  }
}

/** The submission a stored job came from, to run it again. */
function inputOf(row: JobRow): JobInput {
  const s = JSON.parse(row.spec) as StoredSpec;
  return {
    id: row.id, type: row.type, file: s.file, payloadHash: s.payloadHash ?? undefined, script: s.script ?? undefined,
    archive: s.archive ?? undefined, args: s.args, requirement: row.requirement, priority: row.priority,
    delayMs: s.delayMs, parents: s.parents, affinity: s.affinity, maxRetries: row.max_retries, timeoutMs: s.timeoutMs,
    port: s.port, env: s.env,
  };
}

function configFrom(env: Env): SchedulerConfig {
  const num = (v: string | undefined, d: number) => (v && Number.isFinite(Number(v)) ? Number(v) : d);
  return {
    leaseTtlMs: num(env.LEASE_TTL_MS, DEFAULT_CONFIG.leaseTtlMs),
    heartbeatMs: num(env.HEARTBEAT_MS, DEFAULT_CONFIG.heartbeatMs),
    retryBaseMs: num(env.RETRY_BASE_MS, DEFAULT_CONFIG.retryBaseMs),
    retryCapMs: num(env.RETRY_CAP_MS, DEFAULT_CONFIG.retryCapMs),
    agentSilentMs: num(env.AGENT_SILENT_MS, DEFAULT_CONFIG.agentSilentMs),
    jobRetentionMs: num(env.JOB_RETENTION_MS, DEFAULT_CONFIG.jobRetentionMs),
  };
}

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
export function randomId(n: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  let s = '';
  for (const b of bytes) s += ALPHABET[b % 36];
  return s;
}

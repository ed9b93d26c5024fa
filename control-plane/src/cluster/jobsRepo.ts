/**
 * SQL over the ClusterDO's job tables (jobs, edges, history, dags, lease_results). Every change of
 * a job's state goes through a method here that checks the transition table first; the scheduler
 * (ClusterDO) decides which change to make. Its size is one small method per query the scheduler
 * makes, kept beside the transition checks rather than split across files.
 */
import { isTerminal, otherIdForm, type HistoryEntry, type JobState, type ListJobsQuery, type StoredJob } from '../contract/jobs';
import type { Order } from '../contract/agents';
import type { Candidate } from '../core/choose';
import type { Assignment } from '../contract/resources';
import { effectiveAsk, NO_ASSIGNMENT } from '../core/resources';
import type { ParentFacts } from '../core/promotion';
import type { ServiceChange } from '../core/services';
import { assertTransition } from '../core/transitions';
import { askOf, assignedJson, assignedOf, LEASED_COLUMNS, specJson, type JobRow, type LeasedRow } from './jobRow';

/** Upper bounds of what an agent has free: the queue walk skips rows that cannot fit (core/resources boundsOf). */
export interface QueueBounds {
  gpus: number;
  gpuMemoryMb: number;
  cpus: number;
  memoryMb: number;
}
const QUEUE_COLUMNS = 'id, requirement, affinity_agent, priority, seq, gpus, gpu_memory_mb, cpus, memory_mb';
type QueueRow = Pick<JobRow, 'id' | 'requirement' | 'affinity_agent' | 'priority' | 'seq' | 'gpus' | 'gpu_memory_mb' | 'cpus' | 'memory_mb'>;
const candidateOf = (r: QueueRow): Candidate => ({ id: r.id, requirement: r.requirement, affinityAgent: r.affinity_agent, priority: r.priority, seq: r.seq, ask: askOf(r) });
type DagRow = { id: string; name: string | null; created_at: number };

export class JobsRepo {
  private seq: number;
  /** Jobs that reached a final state, and their DAGs, since the last `takeEnded` (one of a change rolled back is probed for nothing, and found not ended). */
  private endedJobs = new Set<string>();
  private endedDags = new Set<string>();

  constructor(private readonly sql: SqlStorage) {
    this.seq = sql.exec<{ s: number | null }>('SELECT MAX(seq) AS s FROM jobs').one().s ?? 0;
  }

  get(id: string): JobRow | undefined {
    return this.sql.exec<JobRow>('SELECT * FROM jobs WHERE id = ?', id).toArray()[0];
  }

  has(id: string): boolean {
    return this.sql.exec('SELECT 1 FROM jobs WHERE id = ?', id).toArray().length > 0;
  }

  stateOf(id: string): JobState | undefined {
    return this.sql.exec<{ state: JobState }>('SELECT state FROM jobs WHERE id = ?', id).toArray()[0]?.state;
  }

  /** What may have ended since the last call (jobs and DAGs): only those can answer a client waiting for an end. */
  takeEnded(): { jobs: Set<string>; dags: Set<string> } {
    const ended = { jobs: this.endedJobs, dags: this.endedDags };
    this.endedJobs = new Set();
    this.endedDags = new Set();
    return ended;
  }

  /** New runs (see insertRun), each counted open in its DAG (`dags.open`, see setState): one write per DAG, not per run. */
  insertRuns(runs: readonly { job: StoredJob; dag: string | null }[], now: number, spawnDepth = 0): void {
    const opened = new Map<string, number>();
    for (const { job, dag } of runs) {
      this.insertRun(job, dag, now, spawnDepth);
      if (dag) opened.set(dag, (opened.get(dag) ?? 0) + 1);
    }
    for (const [dag, n] of opened) this.sql.exec('UPDATE dags SET open = open + ? WHERE id = ?', n, dag);
  }

  /** A new run of a job: the first, or the next one of an ended job (its row is replaced, its run counted on). */
  private insertRun(j: StoredJob, dag: string | null, now: number, spawnDepth: number): void {
    const prev = this.sql.exec<{ run: number; state: JobState }>('SELECT run, state FROM jobs WHERE id = ?', j.id).toArray()[0];
    if (prev) assertTransition(j.id, prev.state, 'PENDING');
    const run = prev ? prev.run + 1 : 1;
    const readyAt = j.delayMs > 0 ? now + j.delayMs : null;
    const ask = effectiveAsk(j);
    this.sql.exec(
      `INSERT OR REPLACE INTO jobs (id, run, dag, type, spec, requirement, priority, seq, state, ready_at, attempts, max_retries, created_at, restarts,
         gpus, gpu_memory_mb, cpus, memory_mb, spawn_depth)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'PENDING', ?, 0, ?, ?, 0, ?, ?, ?, ?, ?)`,
      j.id, run, dag, j.type, specJson(j), j.requirement, j.priority, ++this.seq, readyAt, j.maxRetries, now,
      ask.gpus, ask.gpuMemoryMb, ask.cpus, ask.memoryMb, spawnDepth,
    );
    this.sql.exec('DELETE FROM edges WHERE child = ?', j.id);
    for (const p of j.parents) this.sql.exec('INSERT INTO edges (parent, child) VALUES (?, ?)', p, j.id);
    this.history(j.id, run, now, 'PENDING', prev ? `run ${run}` : 'submitted');
  }

  /** The agent that ran (or runs) a job, by either spelling of its id (contract/jobs otherIdForm). */
  lastAgentOf(id: string): string | null {
    return this.sql.exec<{ a: string }>('SELECT last_agent AS a FROM jobs WHERE id IN (?, ?) AND last_agent IS NOT NULL', id, otherIdForm(id)).toArray()[0]?.a ?? null;
  }

  parentFacts(id: string): ParentFacts[] {
    return this.sql
      .exec<{ id: string; state: JobState; type: JobRow['type']; service_state: string | null; last_agent: string | null }>(
        'SELECT j.id, j.state, j.type, j.service_state, j.last_agent FROM edges e JOIN jobs j ON j.id = e.parent WHERE e.child = ?',
        id,
      )
      .toArray()
      .map((p) => ({ id: p.id, state: p.state, type: p.type, serviceState: p.service_state, lastAgent: p.last_agent }));
  }

  childrenOf(id: string): string[] {
    return this.sql.exec<{ child: string }>('SELECT child FROM edges WHERE parent = ?', id).toArray().map((r) => r.child);
  }

  /**
   * Into an ended state (stamped finished), or FAILED awaiting its retry at `readyAt`. Every final
   * state is set here, from a state that is not (core/transitions), so its DAG counts one job less
   * open here (`dags.open`, which insertRuns counts up; a count too high would keep a DAG's
   * waiters until their time runs out).
   */
  setState(job: JobRow, to: JobState, now: number, note: string | null, readyAt: number | null = null): void {
    assertTransition(job.id, job.state, to);
    if (isTerminal(to)) {
      this.sql.exec('UPDATE jobs SET state = ?, finished_at = ?, ready_at = NULL WHERE id = ?', to, now, job.id);
      this.endedJobs.add(job.id);
      if (job.dag) {
        this.sql.exec('UPDATE dags SET open = open - 1 WHERE id = ?', job.dag);
        this.endedDags.add(job.dag);
      }
    } else this.sql.exec('UPDATE jobs SET state = ?, ready_at = ? WHERE id = ?', to, readyAt, job.id);
    this.history(job.id, job.run, now, to, note);
  }

  /** PENDING → QUEUED, held for `affinityAgent` if given. */
  queuePending(job: JobRow, now: number, affinityAgent: string | null): void {
    assertTransition(job.id, job.state, 'QUEUED');
    this.sql.exec("UPDATE jobs SET state = 'QUEUED', ready_at = NULL, affinity_agent = ?, queued_at = ? WHERE id = ?", affinityAgent, now, job.id);
    this.history(job.id, job.run, now, 'QUEUED', null);
  }

  /** PENDING → WAITING_APPROVAL: its parents are done; `deadline` (ready_at) is when the wait times out. */
  awaitApproval(job: JobRow, now: number, deadline: number | null, affinityAgent: string | null, message: string): void {
    assertTransition(job.id, job.state, 'WAITING_APPROVAL');
    this.sql.exec("UPDATE jobs SET state = 'WAITING_APPROVAL', ready_at = ?, affinity_agent = ? WHERE id = ?", deadline, affinityAgent, job.id);
    this.history(job.id, job.run, now, 'WAITING_APPROVAL', message);
  }

  /** WAITING_APPROVAL → QUEUED: approved. */
  queueApproved(job: JobRow, now: number, note: string): void {
    assertTransition(job.id, job.state, 'QUEUED');
    this.sql.exec("UPDATE jobs SET state = 'QUEUED', ready_at = NULL, queued_at = ? WHERE id = ?", now, job.id);
    this.history(job.id, job.run, now, 'QUEUED', note);
  }

  /** Waiting jobs whose approval timed out. */
  approvalsDue(now: number): JobRow[] {
    return this.sql.exec<JobRow>("SELECT * FROM jobs WHERE state = 'WAITING_APPROVAL' AND ready_at <= ?", now).toArray();
  }

  setError(id: string, error: string): void {
    this.sql.exec('UPDATE jobs SET error = ? WHERE id = ?', error, id);
  }

  /** FAILED → QUEUED once its backoff is over. */
  queueRetry(job: JobRow, now: number): void {
    assertTransition(job.id, job.state, 'QUEUED');
    this.sql.exec("UPDATE jobs SET state = 'QUEUED', ready_at = NULL, queued_at = ? WHERE id = ?", now, job.id);
    this.history(job.id, job.run, now, 'QUEUED', 'retry');
  }

  /** RUNNING → QUEUED after its lease was lost; a service starts over. */
  queueLost(job: JobRow, now: number, note: string): void {
    assertTransition(job.id, job.state, 'QUEUED');
    this.sql.exec(
      "UPDATE jobs SET state = 'QUEUED', queued_at = ?, order_action = NULL, service_state = CASE WHEN service_state IS NULL THEN NULL ELSE 'starting' END WHERE id = ?",
      now, job.id,
    );
    this.history(job.id, job.run, now, 'QUEUED', note);
  }

  /**
   * QUEUED → RUNNING under a new lease, holding `assigned` on the agent (a late result of the lease
   * lost before is refused from now on); returns the updated row.
   */
  startLease(id: string, leaseId: string, agent: { id: string; name: string }, expires: number, now: number, assigned: Assignment): LeasedRow {
    assertTransition(id, 'QUEUED', 'RUNNING'); // candidates come from the QUEUED index only
    // RETURNING the lease's columns: no second read of the (wide) row on the hot path.
    const row = this.sql
      .exec<LeasedRow>(
        `UPDATE jobs SET state = 'RUNNING', attempts = attempts + 1, lease_id = ?, agent_id = ?, lease_expires = ?, last_agent = ?, prev_lease_id = NULL,
           node = ?, started_at = ?, order_action = NULL, service_state = CASE WHEN service_state IS NULL THEN NULL ELSE 'starting' END, service_health = NULL, assigned = ?
         WHERE id = ? RETURNING ${LEASED_COLUMNS}`,
        leaseId, agent.id, expires, agent.id, agent.name, now, assignedJson(assigned), id,
      )
      .one();
    const gpus = assigned.gpus.length ? ` with GPU ${assigned.gpus.map((g) => g.index).join(',')}` : '';
    this.history(id, row.run, now, 'RUNNING', `attempt ${row.attempts} on ${agent.name}${gpus}`);
    return row;
  }

  /** QUEUED → RUNNING again under the lease it lost, for the agent that held it (core/leaseHolder `reinstatable`). */
  reinstate(job: JobRow, agentId: string, expires: number, now: number): void {
    assertTransition(job.id, job.state, 'RUNNING');
    this.sql.exec('UPDATE jobs SET state = \'RUNNING\', lease_id = prev_lease_id, prev_lease_id = NULL, agent_id = ?, lease_expires = ? WHERE id = ?', agentId, expires, job.id);
    this.history(job.id, job.run, now, 'RUNNING', `lease ${job.prev_lease_id} back with its agent (the job was not leased again)`);
  }

  /**
   * One capability's queue in lease order, cut at `limit` (an ordered walk of the jobs_queue index),
   * without the jobs that cannot fit within `bounds`: a big job does not hide the small ones behind it.
   */
  queuedFor(requirement: string, limit: number, bounds: QueueBounds): Candidate[] {
    return this.sql
      .exec<QueueRow>(
        `SELECT ${QUEUE_COLUMNS} FROM jobs WHERE state = 'QUEUED' AND requirement = ?
           AND gpus <= ? AND gpu_memory_mb <= ? AND cpus <= ? AND memory_mb <= ?
         ORDER BY priority DESC, seq ASC LIMIT ?`,
        requirement, bounds.gpus, bounds.gpuMemoryMb, bounds.cpus, bounds.memoryMb, limit,
      )
      .toArray()
      .map(candidateOf);
  }

  /** Queued jobs with resource asks that entered the queue at or before `before` (the partial jobs_asking index), best ranked first. */
  starving(before: number, limit: number): Candidate[] {
    return this.sql
      .exec<QueueRow>(
        `SELECT ${QUEUE_COLUMNS} FROM jobs WHERE state = 'QUEUED' AND queued_at <= ? AND (gpus > 0 OR cpus > 0 OR memory_mb > 0)
         ORDER BY priority DESC, seq ASC LIMIT ?`,
        before, limit,
      )
      .toArray()
      .map(candidateOf);
  }

  /** What the leases an agent holds hold (one probe of the jobs_agent index); its length is the slots in use. */
  holdingsOn(agentId: string): Assignment[] {
    return this.sql
      .exec<{ assigned: string | null }>('SELECT assigned FROM jobs WHERE agent_id = ? AND lease_id IS NOT NULL', agentId)
      .toArray()
      .map((r) => assignedOf(r) ?? NO_ASSIGNMENT);
  }

  /** Every held lease's holding, by agent (for the fleet-wide views: reservation target, demand). */
  holdingsByAgent(): Map<string, { jobId: string; assigned: Assignment | null }[]> {
    const out = new Map<string, { jobId: string; assigned: Assignment | null }[]>();
    for (const r of this.sql.exec<{ id: string; agent_id: string; assigned: string | null }>('SELECT id, agent_id, assigned FROM jobs WHERE lease_id IS NOT NULL').toArray()) {
      (out.get(r.agent_id) ?? out.set(r.agent_id, []).get(r.agent_id)!).push({ jobId: r.id, assigned: assignedOf(r) });
    }
    return out;
  }

  /** Queued and running jobs by requirement and resource shape, with the oldest queue entry (for the demand view). */
  activeShapes(): { requirement: string; gpus: number; gpu_memory_mb: number; cpus: number; memory_mb: number; state: 'QUEUED' | 'RUNNING'; n: number; oldest: number | null }[] {
    return this.sql
      .exec<{ requirement: string; gpus: number; gpu_memory_mb: number; cpus: number; memory_mb: number; state: 'QUEUED' | 'RUNNING'; n: number; oldest: number | null }>(
        `SELECT requirement, gpus, gpu_memory_mb, cpus, memory_mb, state, COUNT(*) AS n, MIN(queued_at) AS oldest
         FROM jobs WHERE state IN ('QUEUED', 'RUNNING') GROUP BY requirement, gpus, gpu_memory_mb, cpus, memory_mb, state`,
      )
      .toArray();
  }

  byLease(leaseId: string, agentId: string): JobRow | undefined {
    return this.sql.exec<JobRow>('SELECT * FROM jobs WHERE lease_id = ? AND agent_id = ?', leaseId, agentId).toArray()[0];
  }

  /** The job a lease id belongs to, as its current or its last lost lease (two index probes). */
  byAnyLease(leaseId: string): JobRow | undefined {
    return this.sql.exec<JobRow>('SELECT * FROM jobs WHERE lease_id = ? UNION ALL SELECT * FROM jobs WHERE prev_lease_id = ? LIMIT 1', leaseId, leaseId).toArray()[0];
  }

  /** Pending cancel/stop orders for the leases an agent holds (one probe of the jobs_agent index). */
  ordersFor(agentId: string): Order[] {
    return this.sql
      .exec<{ id: string; lease_id: string; order_action: Order['action'] }>(
        'SELECT id, lease_id, order_action FROM jobs WHERE agent_id = ? AND lease_id IS NOT NULL AND order_action IS NOT NULL',
        agentId,
      )
      .toArray()
      .map((r) => ({ leaseId: r.lease_id, jobId: r.id, action: r.order_action }));
  }

  /** Held leases with their expiry (for the restart grace). */
  heldLeases(): { id: string; expiresAt: number }[] {
    return this.sql.exec<{ id: string; lease_expires: number }>('SELECT id, lease_expires FROM jobs WHERE lease_id IS NOT NULL').toArray().map((r) => ({ id: r.id, expiresAt: r.lease_expires }));
  }

  heldBy(agentId: string): { id: string; attempts: number }[] {
    return this.sql.exec<{ id: string; attempts: number }>('SELECT id, attempts FROM jobs WHERE agent_id = ? AND lease_id IS NOT NULL', agentId).toArray();
  }

  /** The lease ids an agent holds now (one probe of the jobs_agent index). */
  leaseIdsOf(agentId: string): Set<string> {
    return new Set(this.sql.exec<{ lease_id: string }>('SELECT lease_id FROM jobs WHERE agent_id = ? AND lease_id IS NOT NULL', agentId).toArray().map((r) => r.lease_id));
  }

  setOrder(id: string, action: 'cancel' | 'stop'): void {
    this.sql.exec('UPDATE jobs SET order_action = ? WHERE id = ?', action, id);
  }

  extendLease(id: string, expiresAt: number): void {
    this.sql.exec('UPDATE jobs SET lease_expires = ? WHERE id = ?', expiresAt, id);
  }

  /** Store what a service report changed (core/services `serviceChange`). */
  setService(id: string, s: ServiceChange['stored']): void {
    this.sql.exec(
      'UPDATE jobs SET service_state = ?, restarts = ?, service_health = ?, service_last_exit = ?, service_restarts_at = ? WHERE id = ?',
      s.serviceState, s.restarts, s.health, s.lastExit, s.restartsAt.length ? JSON.stringify(s.restartsAt) : null, id,
    );
  }

  setAttempts(id: string, attempts: number): void {
    this.sql.exec('UPDATE jobs SET attempts = ? WHERE id = ?', attempts, id);
  }

  /** A lease no result closed: it is kept as prev_lease_id, whose late result may still be taken. */
  dropLease(id: string): void {
    this.sql.exec('UPDATE jobs SET prev_lease_id = lease_id, lease_id = NULL, agent_id = NULL, lease_expires = NULL WHERE id = ? AND lease_id IS NOT NULL', id);
  }

  resultSeen(leaseId: string): boolean {
    return this.sql.exec('SELECT 1 FROM lease_results WHERE lease_id = ?', leaseId).toArray().length > 0;
  }

  /** The run a result of this lease of this job was recorded for, if one was. */
  recordedRun(leaseId: string, jobId: string): number | null {
    return this.sql.exec<{ run: number | null }>('SELECT run FROM lease_results WHERE lease_id = ? AND job_id = ?', leaseId, jobId).toArray()[0]?.run ?? null;
  }

  /** Close a lease with its result, remembered by lease id so a resent result is acknowledged once. */
  recordResult(jobId: string, run: number, leaseId: string, exitCode: number | null, error: string | null, now: number): void {
    this.sql.exec('INSERT INTO lease_results (lease_id, job_id, ts, run) VALUES (?, ?, ?, ?)', leaseId, jobId, now, run);
    this.sql.exec(
      "UPDATE jobs SET lease_id = NULL, agent_id = NULL, lease_expires = NULL, prev_lease_id = NULL, order_action = NULL, exit_code = ?, error = ?, service_state = CASE WHEN service_state IS NULL THEN NULL ELSE 'stopped' END WHERE id = ?",
      exitCode, error, jobId,
    );
  }

  // ---------------------------------------------------------------- time

  expiredLeases(now: number): string[] {
    return this.sql.exec<{ id: string }>('SELECT id FROM jobs WHERE lease_id IS NOT NULL AND lease_expires <= ?', now).toArray().map((r) => r.id);
  }

  retriesDue(now: number): JobRow[] {
    return this.sql.exec<JobRow>("SELECT * FROM jobs WHERE state = 'FAILED' AND ready_at <= ?", now).toArray();
  }

  /** PENDING jobs whose delay is over; the delay is cleared, from now on only parents hold them back. */
  takeDelaysDue(now: number): string[] {
    const ids = this.sql.exec<{ id: string }>("SELECT id FROM jobs WHERE state = 'PENDING' AND ready_at <= ?", now).toArray().map((r) => r.id);
    for (const id of ids) this.sql.exec('UPDATE jobs SET ready_at = NULL WHERE id = ?', id);
    return ids;
  }

  /** The earliest moment something is due. Each MIN is one index probe (see the invariants in sweep). */
  nextDue(retentionMs: number): number | null {
    return this.sql
      .exec<{ t: number | null }>(
        `SELECT MIN(t) AS t FROM (
           SELECT MIN(lease_expires) AS t FROM jobs
           UNION ALL SELECT MIN(ready_at) FROM jobs
           UNION ALL SELECT MIN(finished_at) + ? FROM jobs)`,
        retentionMs,
      )
      .one().t;
  }

  /**
   * Housekeeping: old lease results, ended jobs past retention (with history, edges, emptied DAGs),
   * and a safety net for nextDue's invariants: lease_expires is set only while a lease is held,
   * ready_at only while PENDING on a delay, FAILED awaiting a retry or WAITING_APPROVAL with a time limit. A stray due time would re-fire forever.
   */
  sweep(now: number, retentionCutoff: number): void {
    this.sql.exec('DELETE FROM lease_results WHERE ts < ?', now - 24 * 3600_000);
    const old = "SELECT id FROM jobs WHERE state IN ('COMPLETED', 'DEAD', 'CANCELLED') AND finished_at <= ?";
    this.sql.exec(`DELETE FROM history WHERE job_id IN (${old})`, retentionCutoff);
    this.sql.exec(`DELETE FROM edges WHERE child IN (${old})`, retentionCutoff);
    this.sql.exec("DELETE FROM jobs WHERE state IN ('COMPLETED', 'DEAD', 'CANCELLED') AND finished_at <= ?", retentionCutoff);
    this.sql.exec('DELETE FROM dags WHERE id NOT IN (SELECT dag FROM jobs WHERE dag IS NOT NULL)');
    this.sql.exec("UPDATE jobs SET ready_at = NULL WHERE ready_at <= ? AND state NOT IN ('PENDING', 'FAILED', 'WAITING_APPROVAL')", now);
    this.sql.exec('UPDATE jobs SET lease_expires = NULL WHERE lease_expires <= ? AND lease_id IS NULL', now);
  }

  // ---------------------------------------------------------------- history, lists, DAGs

  history(id: string, run: number, ts: number, state: JobState, note: string | null): void {
    this.sql.exec('INSERT INTO history (job_id, run, ts, state, note) VALUES (?, ?, ?, ?, ?)', id, run, ts, state, note);
  }

  historyOf(id: string, run: number): HistoryEntry[] {
    return this.sql
      .exec<HistoryEntry & Record<string, SqlStorageValue>>('SELECT ts, state, note FROM history WHERE job_id = ? AND run = ? ORDER BY rowid', id, run)
      .toArray()
      .map((h) => ({ ts: h.ts, state: h.state, note: h.note }));
  }

  /** A page of the jobs matching `q`, newest first, and how many match in all. */
  list(q: ListJobsQuery): { rows: JobRow[]; total: number } {
    const where: string[] = [];
    const args: SqlStorageValue[] = [];
    if (q.state) (where.push('state = ?'), args.push(q.state));
    if (q.dag) (where.push('dag = ?'), args.push(q.dag));
    if (q.q) {
      // instr on lower(): a plain substring match, no LIKE wildcards to escape.
      where.push('(instr(lower(id), ?) > 0 OR instr(lower(coalesce(node, \'\')), ?) > 0 OR instr(lower(requirement), ?) > 0)');
      const needle = q.q.toLowerCase();
      args.push(needle, needle, needle);
    }
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const rows = this.sql.exec<JobRow>(`SELECT * FROM jobs ${filter} ORDER BY seq DESC LIMIT ? OFFSET ?`, ...args, q.limit, q.offset).toArray();
    const total = this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM jobs ${filter}`, ...args).one().n;
    return { rows, total };
  }

  hasQueued(): boolean {
    return this.sql.exec("SELECT 1 FROM jobs WHERE state = 'QUEUED' LIMIT 1").toArray().length > 0;
  }

  countByState(): Partial<Record<JobState, number>> {
    const counts: Partial<Record<JobState, number>> = {};
    for (const r of this.sql.exec<{ state: JobState; n: number }>('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state')) counts[r.state] = r.n;
    return counts;
  }

  queueByRequirement(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.sql.exec<{ requirement: string; n: number }>("SELECT requirement, COUNT(*) AS n FROM jobs WHERE state = 'QUEUED' GROUP BY requirement")) out[r.requirement] = r.n;
    return out;
  }

  activeServices(): JobRow[] {
    return this.sql.exec<JobRow>("SELECT * FROM jobs WHERE type IN ('SERVICE', 'ARCHIVE_SERVICE') AND state IN ('QUEUED', 'RUNNING') ORDER BY seq").toArray();
  }

  insertDag(id: string, name: string | null, now: number): void {
    this.sql.exec('INSERT INTO dags (id, name, created_at, open) VALUES (?, ?, ?, 0)', id, name, now);
  }

  /** How many of the DAG's jobs have not ended (insertRuns and setState keep the count); undefined when unknown. */
  dagOpen(id: string): number | undefined {
    return this.sql.exec<{ open: number }>('SELECT open FROM dags WHERE id = ?', id).toArray()[0]?.open;
  }

  dag(id: string): DagRow | undefined {
    return this.sql.exec<DagRow>('SELECT * FROM dags WHERE id = ?', id).toArray()[0];
  }

  dagJobs(id: string): JobRow[] {
    return this.sql.exec<JobRow>('SELECT * FROM jobs WHERE dag = ? ORDER BY seq', id).toArray();
  }

  recentDags(limit: number): (DagRow & { counts: Record<string, number> })[] {
    return this.sql.exec<DagRow>('SELECT * FROM dags ORDER BY created_at DESC LIMIT ?', limit).toArray().map((d) => ({ ...d, counts: this.dagCounts(d.id) }));
  }

  /** One DAG with its jobs counted by state; undefined when unknown. */
  dagSummary(id: string): (DagRow & { counts: Record<string, number> }) | undefined {
    const d = this.sql.exec<DagRow>('SELECT * FROM dags WHERE id = ?', id).toArray()[0];
    return d && { ...d, counts: this.dagCounts(id) };
  }

  private dagCounts(dag: string): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of this.sql.exec<{ state: string; n: number }>('SELECT state, COUNT(*) AS n FROM jobs WHERE dag = ? GROUP BY state', dag)) counts[r.state] = r.n;
    return counts;
  }

  nameDag(id: string, name: string, onlyIfUnnamed: boolean): void {
    this.sql.exec(`UPDATE dags SET name = ? WHERE id = ?${onlyIfUnnamed ? ' AND name IS NULL' : ''}`, name, id);
  }
}

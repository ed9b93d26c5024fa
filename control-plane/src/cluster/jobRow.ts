/** A `jobs` row and the one mapping from it to the contract's job types. */
import type { z } from 'zod';
import type { LeasedJob } from '../contract/agents';
import type { LeaseFacts } from '../core/leaseHolder';
import { NO_ASSIGNMENT } from '../core/resources';
import type { Assignment, ResourceAsk } from '../contract/resources';
import { isService, isTerminal, StoredJob, userStatus, type HistoryEntry, type JobState, type JobType, type JobView, type ServiceHealth, type ServiceInfo } from '../contract/jobs';
import { isCrashLoop, type ServiceFacts } from '../core/services';

/** The part of a job kept as JSON in `jobs.spec`: what is fixed for a run and has no column of its own. */
export const StoredSpec = StoredJob.omit({ id: true, type: true, requirement: true, priority: true, maxRetries: true, gpus: true, gpuMemoryMb: true, cpus: true, memoryMb: true });
export type StoredSpec = z.output<typeof StoredSpec>;

export interface JobRow {
  id: string;
  run: number;
  dag: string | null;
  type: JobType;
  spec: string;
  requirement: string;
  priority: number;
  seq: number;
  state: JobState;
  ready_at: number | null;
  attempts: number;
  max_retries: number;
  lease_id: string | null;
  agent_id: string | null;
  lease_expires: number | null;
  prev_lease_id: string | null;
  last_agent: string | null;
  node: string | null;
  affinity_agent: string | null;
  order_action: 'cancel' | 'stop' | null;
  exit_code: number | null;
  error: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  service_state: string | null;
  restarts: number;
  gpus: number;
  gpu_memory_mb: number;
  cpus: number;
  memory_mb: number;
  assigned: string | null;
  queued_at: number | null;
  spawn_depth: number;
  service_health: ServiceHealth | null;
  service_last_exit: string | null;
  service_restarts_at: string | null;
  [k: string]: SqlStorageValue;
}

/** The lease facts of a row, as core/leaseHolder reads them. */
export const leaseFactsOf = (row: JobRow): LeaseFacts => ({ state: row.state, run: row.run, leaseId: row.lease_id, agentId: row.agent_id, prevLeaseId: row.prev_lease_id });

/** Rows stored before approvals (or health checks, or affinityTo) existed have none. */
export const specOf = (row: Pick<JobRow, 'spec'>): StoredSpec => ({ approval: null, health: null, affinityTo: null, ...(JSON.parse(row.spec) as Omit<StoredSpec, 'approval' | 'health' | 'affinityTo'>) });

/** The JSON column of a job: its spec fields, in a fixed key order. */
export function specJson(j: StoredJob): string {
  const spec: StoredSpec = {
    file: j.file, payloadHash: j.payloadHash, script: j.script, archive: j.archive, args: j.args, delayMs: j.delayMs,
    parents: j.parents, affinity: j.affinity, affinityTo: j.affinityTo, timeoutMs: j.timeoutMs, port: j.port, env: j.env, approval: j.approval,
    health: j.health,
  };
  return JSON.stringify(spec);
}

/** The stored job a row holds: its columns and its spec together (also what a new run starts from). */
export function storedJobOf(row: JobRow): StoredJob {
  return { ...specOf(row), id: row.id, type: row.type, requirement: row.requirement, priority: row.priority, maxRetries: row.max_retries, ...askOf(row) };
}

/** The resource asks a row holds in its columns. */
export const askOf = (row: Pick<JobRow, 'gpus' | 'gpu_memory_mb' | 'cpus' | 'memory_mb'>): ResourceAsk => ({
  gpus: row.gpus, gpuMemoryMb: row.gpu_memory_mb, cpus: row.cpus, memoryMb: row.memory_mb,
});

/** What a run holds, as stored (NULL: nothing). */
export const assignedOf = (row: Pick<JobRow, 'assigned'>): Assignment | null => (row.assigned ? (JSON.parse(row.assigned) as Assignment) : null);

/** The stored form of a holding: NULL when it holds nothing, so the common case costs no JSON. */
export const assignedJson = (a: Assignment): string | null => (a.gpus.length || a.cpus || a.memoryMb ? JSON.stringify(a) : null);


export function toView(row: JobRow, history?: HistoryEntry[]): JobView {
  const { env: _env, ...fields } = storedJobOf(row);
  return {
    ...fields,
    run: row.run,
    dag: row.dag,
    state: row.state,
    status: userStatus(row.state),
    attempts: row.attempts,
    agentId: row.agent_id,
    node: row.node,
    exitCode: row.exit_code,
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    readyAt: row.ready_at,
    queuedAt: row.queued_at,
    service: isService(row.type) ? serviceInfoOf(row, Date.now()) : null,
    assigned: assignedOf(row),
    ...(history ? { history } : {}),
  };
}

/** The columns a lease is cut from (jobsRepo.startLease reads only these). */
export const LEASED_COLUMNS = 'id, run, attempts, dag, type, spec, assigned';
export type LeasedRow = Pick<JobRow, 'id' | 'run' | 'attempts' | 'dag' | 'type' | 'spec' | 'assigned'>;

export function toLeasedJob(row: LeasedRow): LeasedJob {
  const s = specOf(row);
  return {
    id: row.id, run: row.run, attempt: row.attempts, dag: row.dag, type: row.type, file: s.file, payloadHash: s.payloadHash,
    script: s.script, archive: s.archive, args: s.args, port: s.port, timeoutMs: s.timeoutMs, env: s.env, health: s.health,
    assigned: assignedOf(row) ?? NO_ASSIGNMENT,
  };
}

/** What core/services reads of a service's row. */
export const serviceFactsOf = (row: JobRow): ServiceFacts => ({
  state: row.state,
  serviceState: row.service_state,
  restarts: row.restarts,
  health: row.service_health ?? null,
  lastExit: row.service_last_exit ?? null,
  restartsAt: row.service_restarts_at ? (JSON.parse(row.service_restarts_at) as number[]) : [],
});

/** A service's run as users read it; a crash loop only while the job has not ended. */
function serviceInfoOf(row: JobRow, now: number): ServiceInfo {
  const f = serviceFactsOf(row);
  return {
    state: (row.service_state ?? 'starting') as ServiceInfo['state'],
    restarts: row.restarts,
    health: (row.state === 'RUNNING' && f.health) || 'unknown', // a queued or ended one has no process to judge
    lastExit: f.lastExit,
    crashLoop: !isTerminal(row.state) && isCrashLoop(f.restartsAt, now),
  };
}

/** A queued or running service as the stats page lists it. */
export function toServiceSummary(row: JobRow) {
  const info = serviceInfoOf(row, Date.now());
  return {
    id: row.id,
    agentId: row.agent_id,
    node: row.node,
    port: specOf(row).port,
    state: row.state === 'RUNNING' ? (row.service_state ?? 'starting') : 'queued',
    restarts: row.restarts,
    health: info.health,
    lastExit: info.lastExit,
    crashLoop: info.crashLoop,
  };
}

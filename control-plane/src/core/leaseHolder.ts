/**
 * Who may close a lease and write its log. A lease id is handed to one agent and is never reused,
 * so it is the capability: its holder reports the result and ships the lines of that run.
 */
import type { JobState } from '../contract/jobs';

/** The parts of a job row these rules read. */
export interface LeaseFacts {
  state: JobState;
  run: number;
  leaseId: string | null;
  agentId: string | null;
  /** The lease lost last (expired, agent gone), kept until the job is leased again. */
  prevLeaseId: string | null;
}

/**
 * How to treat a reported result:
 * - `current`: the agent holds this lease;
 * - `late`: the lease expired and the job went back to QUEUED, but nobody leased it again, so the
 *   work the old holder finished is taken as if its lease had been current (no second run);
 * - `stale`: the job was leased again or ended: refused, the new holder's result counts.
 */
export type ResultVerdict = 'current' | 'late' | 'stale';

export function resultVerdict(job: LeaseFacts | undefined, leaseId: string, agentId: string): ResultVerdict {
  if (!job) return 'stale';
  if (job.leaseId === leaseId && job.agentId === agentId) return 'current';
  if (job.state === 'QUEUED' && job.prevLeaseId === leaseId) return 'late';
  return 'stale';
}

/**
 * Whether a lost lease goes back to the agent that held it: that agent still names it (in a
 * heartbeat or a lease poll, say after a network cut or a control-plane outage), and nobody has
 * leased the job since. The work it is doing or has done then counts: no second run.
 */
export function reinstatable(job: { state: JobState; prevLeaseId: string | null; lastAgent: string | null } | undefined, leaseId: string, agentId: string): boolean {
  return !!job && job.state === 'QUEUED' && job.prevLeaseId === leaseId && job.lastAgent === agentId;
}

export type LogVerdict = 'ok' | 'not_found' | 'stale';

/**
 * Whether a log batch for `run` under `leaseId` may be stored: from the current lease of that
 * run, from a lost lease whose late result would still be taken, or from a lease whose result was
 * recorded for that run (lines resent after the result). `recordedRun` is the run a result of
 * this lease was recorded for, if any.
 */
export function logVerdict(job: LeaseFacts | undefined, recordedRun: number | null, leaseId: string, run: number): LogVerdict {
  if (!job) return 'not_found';
  if (recordedRun !== null) return recordedRun === run ? 'ok' : 'stale';
  if (job.run !== run) return 'stale';
  if (job.leaseId === leaseId) return 'ok';
  if (job.state === 'QUEUED' && job.prevLeaseId === leaseId) return 'ok';
  return 'stale';
}

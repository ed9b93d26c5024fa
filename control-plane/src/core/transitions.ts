/** The job state machine of the design, as a table the scheduler must follow. */
import type { JobState } from '../contract/jobs';

/**
 * Allowed moves. PENDING → WAITING_APPROVAL is a job needing approval whose parents are done.
 * RUNNING → QUEUED is a lost lease re-queued; an ended state (COMPLETED, DEAD,
 * CANCELLED) only starts a new run, which begins PENDING (a retry or a resubmission).
 * QUEUED → COMPLETED/FAILED/DEAD is a late result: the lost lease's holder reported after all,
 * before anyone leased the job again, so its attempt ends as if the lease had been current
 * (core/leaseHolder).
 */
const TRANSITIONS: Record<JobState, readonly JobState[]> = {
  PENDING: ['QUEUED', 'WAITING_APPROVAL', 'CANCELLED'],
  // Approved: queued (a GATE completes); rejected or timed out: DEAD, final; or cancelled.
  WAITING_APPROVAL: ['QUEUED', 'COMPLETED', 'DEAD', 'CANCELLED'],
  QUEUED: ['RUNNING', 'CANCELLED', 'COMPLETED', 'FAILED', 'DEAD'],
  RUNNING: ['COMPLETED', 'FAILED', 'DEAD', 'CANCELLED', 'QUEUED'],
  FAILED: ['QUEUED', 'CANCELLED'],
  DEAD: ['PENDING'],
  COMPLETED: ['PENDING'],
  CANCELLED: ['PENDING'],
};

export function canTransition(from: JobState, to: JobState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws on a move the table forbids: a scheduler bug, never a user error, so it must be loud. */
export function assertTransition(jobId: string, from: JobState, to: JobState): void {
  if (!canTransition(from, to)) throw new Error(`illegal transition of job ${jobId}: ${from} -> ${to}`);
}

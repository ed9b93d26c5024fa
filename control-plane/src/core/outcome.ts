/** What the end of an attempt leads to: a finished result, an expired lease, an agent leaving. */
import type { JobResultStatus } from '../contract/agents';
import { retryDelayMs, type RetryPolicy } from './retry';

export type Outcome =
  | { state: 'COMPLETED'; note: string }
  | { state: 'FAILED'; readyAt: number; note: string }
  | { state: 'DEAD'; note: string }
  | { state: 'CANCELLED'; note: string };

/**
 * What a finished attempt leads to. `attempts` counts this attempt; with maxRetries = 3 a job
 * gets 4 attempts in all before it is DEAD.
 */
export function outcomeOf(
  result: { status: JobResultStatus; exitCode: number | null; error: string | null },
  job: { attempts: number; maxRetries: number },
  now: number,
  cfg: RetryPolicy,
): Outcome {
  switch (result.status) {
    case 'COMPLETED':
      return { state: 'COMPLETED', note: `exit ${result.exitCode ?? 0}` };
    case 'STOPPED':
      return { state: 'COMPLETED', note: 'service stopped' };
    case 'CANCELLED':
      return { state: 'CANCELLED', note: result.error ?? 'cancelled on the agent' };
    case 'FAILED':
    case 'TIMEOUT': {
      const why = result.status === 'TIMEOUT' ? 'timed out' : (result.error ?? `exit ${result.exitCode}`);
      if (job.attempts > job.maxRetries) return { state: 'DEAD', note: `${why}; no retries left` };
      return {
        state: 'FAILED',
        readyAt: now + retryDelayMs(job.attempts, cfg.retryBaseMs, cfg.retryCapMs),
        note: `${why}; retry ${job.attempts}/${job.maxRetries}`,
      };
    }
  }
}

/** A lease that expired: the agent vanished or lost its link. Counts the attempt it had. */
export function outcomeOfExpiry(job: { attempts: number; maxRetries: number }): 'QUEUED' | 'DEAD' {
  return job.attempts > job.maxRetries ? 'DEAD' : 'QUEUED';
}

export type ExpiryOutcome = { state: 'COMPLETED' | 'QUEUED' | 'DEAD'; note: string };

/**
 * The end of a RUNNING job's lease that no result closed (`why`: expired, agent restarted, agent
 * left). A service told to stop counts as stopped; anything else is re-queued while retries remain.
 */
export function afterLeaseLoss(job: { attempts: number; maxRetries: number; orderAction: 'cancel' | 'stop' | null }, why: string): ExpiryOutcome {
  if (job.orderAction === 'stop') return { state: 'COMPLETED', note: `service stopped (${why})` };
  return outcomeOfExpiry(job) === 'QUEUED' ? { state: 'QUEUED', note: `${why}; re-queued` } : { state: 'DEAD', note: `${why}; no retries left` };
}

/**
 * Attempts a job keeps when its agent lets go of it. An agent that restarts lost the work (the
 * attempt counts); one that leaves on purpose hands it back (the attempt is given back).
 */
export function attemptsAfterRelease(attempts: number, countAttempt: boolean): number {
  return countAttempt ? attempts : Math.max(attempts - 1, 0);
}

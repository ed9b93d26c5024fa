import type { JobResultStatus } from '../contract/agents';
import type { JobState } from '../contract/jobs';

/** Scheduler tunables; the Worker reads overrides from its env vars (tests shorten them). */
export interface SchedulerConfig {
  leaseTtlMs: number;
  heartbeatMs: number;
  retryBaseMs: number;
  retryCapMs: number;
  agentSilentMs: number;
  /** Ended jobs (with their history) are forgotten this long after they finished. */
  jobRetentionMs: number;
}

export const DEFAULT_CONFIG: SchedulerConfig = {
  leaseTtlMs: 30_000,
  heartbeatMs: 5_000,
  retryBaseMs: 500,
  retryCapMs: 60_000,
  agentSilentMs: 60_000,
  jobRetentionMs: 7 * 24 * 3600_000,
};

/** Exponential backoff after the n-th failed attempt (1-based): base, 2·base, 4·base … capped. */
export function retryDelayMs(attempt: number, baseMs: number, capMs: number): number {
  const exp = Math.min(Math.max(attempt - 1, 0), 30);
  return Math.min(baseMs * 2 ** exp, capMs);
}

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
  cfg: Pick<SchedulerConfig, 'retryBaseMs' | 'retryCapMs'>,
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
      const why = result.status === 'TIMEOUT' ? 'timed out' : result.error ?? `exit ${result.exitCode}`;
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

const TRANSITIONS: Record<JobState, readonly JobState[]> = {
  PENDING: ['QUEUED', 'CANCELLED'],
  QUEUED: ['RUNNING', 'CANCELLED', 'PENDING'],
  RUNNING: ['COMPLETED', 'FAILED', 'DEAD', 'CANCELLED', 'QUEUED'],
  FAILED: ['QUEUED', 'CANCELLED'],
  DEAD: ['PENDING', 'QUEUED'],
  COMPLETED: ['PENDING', 'QUEUED'],
  CANCELLED: ['PENDING', 'QUEUED'],
};

/** The state machine of the design; ended states may only start a new run. */
export function canTransition(from: JobState, to: JobState): boolean {
  return TRANSITIONS[from].includes(to);
}

/**
 * When to set the one alarm, given the earliest moment something is due and the alarm already
 * set; null means leave it as it is. An alarm already due earlier stays (it will re-plan when it
 * fires). Never the current instant: inside alarm() the clock stands still, and an alarm re-set
 * to the time that is firing counts as handled and is dropped by the runtime.
 */
export function nextAlarmAt(due: number | null, current: number | null, now: number): number | null {
  if (due === null) return null;
  if (current !== null && current <= due && current > now - 1000) return null;
  return Math.max(due, now + 5);
}

/** Backoff between attempts of a failing job. */

/** The retry timings the scheduler settings carry (see config.ts). */
export interface RetryPolicy {
  retryBaseMs: number;
  retryCapMs: number;
}

/** Exponential backoff after the n-th failed attempt (1-based): base, 2·base, 4·base … capped. */
export function retryDelayMs(attempt: number, baseMs: number, capMs: number): number {
  const exp = Math.min(Math.max(attempt - 1, 0), 30);
  return Math.min(baseMs * 2 ** exp, capMs);
}

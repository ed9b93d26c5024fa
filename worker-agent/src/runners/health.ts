/** A service's health, decided from probe results: pure, so the supervisor's rules are tested without processes or clocks. */
import type { Exit } from '../process';

export type Health = 'unknown' | 'healthy' | 'unhealthy';

/** Health as last decided, and the failed checks in a row since the last good one. */
export interface HealthTally {
  health: Health;
  failures: number;
}

export const FRESH_TALLY: HealthTally = { health: 'unknown', failures: 0 };

/**
 * One probe's result. A good check makes it healthy; `threshold` failed checks in a row make it
 * unhealthy and ask for a restart (the count starts over for the next process). Until then the
 * health stays as it was: one slow answer is not an outage.
 */
export function afterProbe(t: HealthTally, ok: boolean, threshold: number): { tally: HealthTally; restart: boolean } {
  if (ok) return { tally: { health: 'healthy', failures: 0 }, restart: false };
  const failures = t.failures + 1;
  if (failures >= threshold) return { tally: { health: 'unhealthy', failures: 0 }, restart: true };
  return { tally: { health: t.health, failures }, restart: false };
}

/** How a process ended, as the control plane shows it: "code 1", "SIGKILL". */
export const exitText = (e: Exit): string => e.signal ?? `code ${e.code}`;

/** The last exit of a process the agent killed for failing its checks. */
export const unhealthyExit = (failures: number): string => `unhealthy: ${failures} failed check${failures === 1 ? '' : 's'}`;

/** A run this long counts as stable: the next crash starts the backoff over. */
export const STABLE_MS = 30_000;

/** Crashes in a row after a process ran `ranMs`: a stable run resets the count. */
export const crashesAfter = (crashes: number, ranMs: number): number => (ranMs > STABLE_MS ? 0 : crashes);

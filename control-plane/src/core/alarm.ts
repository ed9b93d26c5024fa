/** Planning the ClusterDO's one alarm. */

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

/** The earliest of some due times (null: none is due). */
export function earliest(...times: (number | null)[]): number | null {
  const set = times.filter((t): t is number => t !== null);
  return set.length ? Math.min(...set) : null;
}

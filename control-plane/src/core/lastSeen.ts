/**
 * When an agent's `last_seen` is worth writing. Every lease poll and heartbeat proves the agent
 * alive, but storing that each time made every poll a commit (an fsync) of its own, even a poll
 * that finds no work, on the path of whatever the control plane does next. Liveness is judged
 * against `silentMs` (AGENT_SILENT_MS, a minute by default), so a stamp up to a tenth of that old,
 * and never more than a second, changes no verdict that matters: it is written when it is older.
 */
export const LAST_SEEN_MAX_STALE_MS = 1_000;

export function lastSeenDue(lastSeen: number, now: number, silentMs: number): boolean {
  return now - lastSeen >= Math.min(LAST_SEEN_MAX_STALE_MS, silentMs / 10);
}

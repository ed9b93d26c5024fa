/**
 * Leases after a control-plane restart (deploy, eviction, crash). While the control plane was
 * down no agent could heartbeat, so wall-clock expiry would re-run every job that was running,
 * even ones that finished meanwhile. Each held lease gets at least `graceMs` from the restart
 * for its agent to reconnect and heartbeat or report.
 */
export interface HeldLease {
  id: string;
  expiresAt: number;
}

/** The leases to extend and their new expiry; leases already good for the grace are left alone. */
export function graceExpiries(leases: readonly HeldLease[], now: number, graceMs: number): HeldLease[] {
  const until = now + graceMs;
  return leases.filter((l) => l.expiresAt < until).map((l) => ({ id: l.id, expiresAt: until }));
}

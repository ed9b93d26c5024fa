/**
 * Approval gates of the original SDK: a job with `hitl_message=` waits on the store key
 * `titan:hitl:status:<gate>` until someone writes APPROVED or REJECTED there.
 */
export const HITL_PREFIX = 'titan:hitl:status:';

/** A decision is still open unless APPROVED or REJECTED. */
export function isOpenGate(value: string | null): boolean {
  return value !== null && value !== 'APPROVED' && value !== 'REJECTED';
}

/** The store key of a gate, whether the user typed its id or the whole key. */
export function gateKey(gate: string): string {
  return gate.startsWith(HITL_PREFIX) ? gate : HITL_PREFIX + gate;
}

/**
 * Whether a call that failed at the connection may go again while a local runtime restarts.
 * Refused: nothing left this machine, so any call may. Reset or closed under it: the request may
 * have been taken, so only a method whose second arrival changes nothing more (RFC 9110's
 * idempotent methods: reads, the store's PUT of a value, DELETE) may; a POST (a submission, a
 * lease, a result) may not, it is reported instead.
 */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const CUT = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/** RFC 9110's idempotent methods: a second arrival changes nothing more than the first. */
export const idempotent = (method: string): boolean => IDEMPOTENT.has(method.toUpperCase());

export function mayResend(method: string, code: unknown): boolean {
  if (code === 'ECONNREFUSED') return true;
  return typeof code === 'string' && CUT.has(code) && idempotent(method);
}

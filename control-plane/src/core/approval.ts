/**
 * Approval gates: what a decision on a waiting job leads to, and when a waiting one times out.
 * Pure; the scheduler stores the answer. A rejection is final: no retries, descendants cancelled.
 */
import type { JobState, JobType } from '../contract/jobs';

export type Decision = 'approve' | 'reject';

export interface Decided {
  /** QUEUED (a job runs now), COMPLETED (a GATE has nothing to run) or DEAD (rejected). */
  state: Extract<JobState, 'QUEUED' | 'COMPLETED' | 'DEAD'>;
  note: string;
  /** The error recorded on a rejection. */
  error: string | null;
}

/** Who decided, as recorded: the person or bot named (if any) and the kind of token used. */
export function decider(by: string | undefined, tokenKind: string): string {
  return by ? `${by} (${tokenKind} token)` : `a ${tokenKind} token`;
}

export function decide(type: JobType, decision: Decision, who: string, reason: string | undefined): Decided {
  const why = reason ? `: ${reason}` : '';
  if (decision === 'approve') return { state: type === 'GATE' ? 'COMPLETED' : 'QUEUED', note: `approved by ${who}${why}`, error: null };
  return { state: 'DEAD', note: `rejected by ${who}${why}`, error: `rejected by ${who}${why}` };
}

/** When a job entering WAITING_APPROVAL at `now` times out (null: it may wait forever). */
export const approvalDeadline = (timeoutMs: number | null, now: number): number | null => (timeoutMs === null ? null : now + timeoutMs);

/** The outcome of a wait that ran out. */
export const timedOut = (timeoutMs: number): Decided => {
  const note = `approval timed out after ${Math.round(timeoutMs / 1000)} s: rejected`;
  return { state: 'DEAD', note, error: note };
};

/**
 * The TitanStore protocol of the original SDK's gate script: KV key `titan:hitl:status:<gate>` set to
 * APPROVED or REJECTED decides gate `<gate>` (its job id is `DAG-<gate>` when it came by SUBMIT_DAG).
 */
export const HITL_KEY_PREFIX = 'titan:hitl:status:';

/**
 * What a write of a gate's status key means: APPROVED / REJECTED decide it; CLEARED (the original
 * SDK writes it when it submits the gate) forgets an earlier decision; anything else (WAITING,
 * TIMEOUT, which its gate script wrote for itself) means nothing to the scheduler.
 */
export function storeKeyDecision(key: string, value: string): { gate: string; decision: Decision | 'clear' } | null {
  if (!key.startsWith(HITL_KEY_PREFIX)) return null;
  const gate = key.slice(HITL_KEY_PREFIX.length);
  const v = value.trim().toUpperCase();
  if (!gate) return null;
  if (v === 'APPROVED') return { gate, decision: 'approve' };
  if (v === 'REJECTED') return { gate, decision: 'reject' };
  if (v === 'CLEARED') return { gate, decision: 'clear' };
  return null;
}

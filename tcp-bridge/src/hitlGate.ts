/**
 * The original SDK's approval gate, made native. Its SDK puts a job `hitl-gate-<id>` after a job
 * with `hitl_message`: a RUN_PAYLOAD of `hitl_gate.py` with args `<gate id> [max wait s] [message]`
 * that polls a TitanStore key. Sent here, that job becomes a GATE: it waits in WAITING_APPROVAL
 * without holding an agent slot, and the same store key (or the API, CLI, dashboard) decides it.
 */
import type { JobSpecInput } from '../../control-plane/src/contract/jobs';

export const GATE_SCRIPT = 'hitl_gate.py';
/** The gate script's own default wait. */
const DEFAULT_WAIT_S = 48 * 3600;

/** The GATE job for a gate-script job string, or null when it is an ordinary job. */
export function nativeGate(spec: JobSpecInput, rawId: string): JobSpecInput | null {
  if (spec.type !== 'RUN_PAYLOAD' || spec.file !== GATE_SCRIPT) return null;
  const [gate, ...rest] = spec.args ?? [];
  if (gate !== rawId) return null; // the gate script names its own gate first; anything else is a user's script of that name
  const wait = rest[0] !== undefined && /^\d+$/.test(rest[0]) ? Number(rest.shift()) : DEFAULT_WAIT_S;
  const message = rest.join(' ').trim() || 'Awaiting human approval';
  const { payloadB64: _code, args: _args, ...keep } = spec;
  return { ...keep, type: 'GATE', args: [], approval: { message: message.slice(0, 2000), timeoutMs: Math.min(wait, 30 * 24 * 3600) * 1000 || null } };
}

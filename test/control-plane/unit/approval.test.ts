import { describe, expect, it } from 'vitest';
import { protoStatus } from '../../../control-plane/src/contract/jobs';
import { approvalDeadline, decide, decider, storeKeyDecision, timedOut } from '../../../control-plane/src/core/approval';
import { promotion } from '../../../control-plane/src/core/promotion';
import { canTransition } from '../../../control-plane/src/core/transitions';
import { nativeGate } from '../../../tcp-bridge/src/hitlGate';

describe('approval gates', () => {
  it('approval queues a job, completes a GATE; rejection is final (DEAD) with who and why', () => {
    expect(decide('RUN_PAYLOAD', 'approve', 'ana (client token)', undefined)).toEqual({ state: 'QUEUED', note: 'approved by ana (client token)', error: null });
    expect(decide('GATE', 'approve', 'a client token', 'looks good').state).toBe('COMPLETED');
    expect(decide('GATE', 'reject', 'ana (client token)', 'bad data')).toEqual({ state: 'DEAD', note: 'rejected by ana (client token): bad data', error: 'rejected by ana (client token): bad data' });
    expect(decider(undefined, 'client')).toBe('a client token');
    expect(timedOut(90_000)).toMatchObject({ state: 'DEAD', note: 'approval timed out after 90 s: rejected' });
    expect(approvalDeadline(null, 5)).toBeNull();
    expect(approvalDeadline(1000, 5)).toBe(1005);
  });
  it('a ready job that needs approval waits for it instead of queueing; the table allows only the decided moves', () => {
    expect(promotion({ readyAt: null, affinity: false, needsApproval: true }, [], 0)).toEqual({ kind: 'approval', affinityAgent: null });
    expect(promotion({ readyAt: null, affinity: false, needsApproval: false }, [], 0)).toEqual({ kind: 'queue', affinityAgent: null });
    for (const to of ['QUEUED', 'COMPLETED', 'DEAD', 'CANCELLED'] as const) expect(canTransition('WAITING_APPROVAL', to)).toBe(true);
    expect(canTransition('WAITING_APPROVAL', 'RUNNING')).toBe(false);
    expect(canTransition('WAITING_APPROVAL', 'FAILED')).toBe(false); // no retries of a rejection
  });
  it("reads the original SDK's store key: APPROVED, REJECTED decide; CLEARED forgets; its own WAITING means nothing", () => {
    expect(storeKeyDecision('titan:hitl:status:hitl-gate-train', 'APPROVED')).toEqual({ gate: 'hitl-gate-train', decision: 'approve' });
    expect(storeKeyDecision('titan:hitl:status:g', ' rejected ')).toEqual({ gate: 'g', decision: 'reject' });
    expect(storeKeyDecision('titan:hitl:status:g', 'CLEARED')).toEqual({ gate: 'g', decision: 'clear' });
    expect(storeKeyDecision('titan:hitl:status:g', 'WAITING')).toBeNull();
    expect(storeKeyDecision('titan:hitl:status:', 'APPROVED')).toBeNull();
    expect(storeKeyDecision('other', 'APPROVED')).toBeNull();
  });
  it('over TITAN_PROTO a waiting GATE reads RUNNING (what the original SDK saw); other statuses as they are', () => {
    expect(protoStatus({ status: 'WAITING_APPROVAL', type: 'GATE' })).toBe('RUNNING');
    expect(protoStatus({ status: 'WAITING_APPROVAL', type: 'RUN_PAYLOAD' })).toBe('WAITING_APPROVAL');
    expect(protoStatus({ status: 'COMPLETED', type: 'GATE' })).toBe('COMPLETED');
  });
});

describe("the original SDK's gate job, made native", () => {
  const gateJob = (args: string[], file = 'hitl_gate.py') => ({ type: 'RUN_PAYLOAD' as const, file, args, payloadB64: 'eA==', requirement: 'GENERAL', id: 'DAG-hitl-gate-train' });
  it('becomes a GATE with its message and wait, and no code', () => {
    expect(nativeGate(gateJob(['hitl-gate-train', '120', 'Review', 'the', 'data']), 'hitl-gate-train')).toEqual({
      type: 'GATE', file: 'hitl_gate.py', args: [], requirement: 'GENERAL', id: 'DAG-hitl-gate-train', approval: { message: 'Review the data', timeoutMs: 120_000 },
    });
    expect(nativeGate(gateJob(['hitl-gate-train', 'Go?']), 'hitl-gate-train')!.approval).toEqual({ message: 'Go?', timeoutMs: 48 * 3600 * 1000 });
    expect(nativeGate(gateJob(['hitl-gate-train']), 'hitl-gate-train')!.approval!.message).toBe('Awaiting human approval');
  });
  it('leaves other jobs alone, a user script called hitl_gate.py included', () => {
    expect(nativeGate(gateJob(['something-else', '5']), 'hitl-gate-train')).toBeNull();
    expect(nativeGate(gateJob(['hitl-gate-train'], 'train.py'), 'hitl-gate-train')).toBeNull();
  });
});

/**
 * Native approval gates in workerd: a job that needs approval waits in WAITING_APPROVAL holding no
 * agent slot; approval runs it (a GATE completes), rejection ends it for good and cancels its
 * descendants, a time limit rejects it; who decided is in its history; the original SDK's store key
 * decides it too, even when written before the gate was reached.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { b64, startTestPlane, waitFor, type TestPlane } from '../helpers/controlPlane';

let cp: TestPlane;
beforeAll(async () => {
  cp = await startTestPlane({ RETRY_BASE_MS: '50' });
});
afterAll(async () => cp?.dispose());

const code = { file: 'a.py', payloadB64: b64('pass') };
const state = async (id: string) => (await cp.client.getJob(id)).job;
let n = 0;
const tag = () => `APPROVAL_${++n}`;

async function agentFor(cap: string) {
  const { agentId } = await cp.agent.registerAgent({ name: `approver-${cap}`, capabilities: [cap], slots: 2 });
  const lease = async () => (await cp.agent.lease(agentId, { max: 2, waitMs: 0 })).leases;
  const finish = (leaseId: string) => cp.agent.complete(agentId, [{ leaseId, status: 'COMPLETED', exitCode: 0 }]);
  return { lease, finish };
}

describe('native approval gates', () => {
  it('a gated job waits without a slot, runs once approved, and the history says who approved', async () => {
    const cap = tag();
    const a = await agentFor(cap);
    await cp.client.submitDag({
      jobs: [
        { id: 'ap-prep', ...code, requirement: cap, priority: 1_000_000 },
        { id: 'ap-train', ...code, requirement: cap, priority: 1_000_000, parents: ['ap-prep'], approval: { message: 'Train on the new data?' } },
      ],
    });
    const [prep] = await a.lease();
    expect(prep!.job.id).toBe('ap-prep');
    await a.finish(prep!.leaseId);
    const waiting = await state('ap-train');
    expect([waiting.state, waiting.status]).toEqual(['WAITING_APPROVAL', 'WAITING_APPROVAL']);
    expect(await a.lease()).toEqual([]); // nothing to run: the waiting job holds no slot
    expect((await cp.client.listJobs({ state: 'WAITING_APPROVAL' })).jobs.map((j) => j.id)).toContain('ap-train');

    const approved = await cp.client.call('approveJob', { params: { id: 'ap-train' }, body: { by: 'ana', reason: 'data checked' } });
    expect(approved.job.state).toBe('QUEUED');
    expect((await state('ap-train')).history!.map((h) => h.note)).toContain('approved by ana (client token): data checked');
    const [train] = await a.lease();
    expect(train!.job.id).toBe('ap-train');
    await a.finish(train!.leaseId);
    expect((await state('ap-train')).status).toBe('COMPLETED');
    await expect(cp.client.call('approveJob', { params: { id: 'ap-train' }, body: {} })).rejects.toThrow(/not waiting for approval/);
    await expect(cp.client.call('rejectJob', { params: { id: 'ap-nope' }, body: {} })).rejects.toThrow(/no job/);
  });

  it('a rejected gate ends FAILED for good, with the reason, and its descendants are cancelled', async () => {
    const cap = tag();
    await cp.client.submitDag({
      jobs: [
        { id: 'rj-gate', type: 'GATE', file: 'gate', requirement: cap, approval: { message: 'Ship it?' }, maxRetries: 5 },
        { id: 'rj-after', ...code, requirement: cap, parents: ['rj-gate'] },
      ],
    });
    expect((await state('rj-gate')).state).toBe('WAITING_APPROVAL');
    await cp.client.call('rejectJob', { params: { id: 'rj-gate' }, body: { reason: 'not today' } });
    const gate = await state('rj-gate');
    expect([gate.state, gate.status, gate.attempts]).toEqual(['DEAD', 'FAILED', 0]); // no retry of a rejection
    expect(gate.error).toBe('rejected by a client token: not today');
    expect((await state('rj-after')).state).toBe('CANCELLED');
  });

  it('a GATE completes on approval, without any agent, and its children go on', async () => {
    const cap = tag();
    const a = await agentFor(cap);
    await cp.client.submitDag({ jobs: [{ id: 'gt-gate', type: 'GATE', file: 'gate', approval: { message: 'ok?' } }, { id: 'gt-next', ...code, requirement: cap, priority: 1_000_000, parents: ['gt-gate'] }] });
    await cp.client.call('approveJob', { params: { id: 'gt-gate' }, body: {} });
    expect((await state('gt-gate')).state).toBe('COMPLETED');
    expect((await a.lease()).map((l) => l.job.id)).toEqual(['gt-next']);
  });

  it('a time limit rejects a gate nobody decided', async () => {
    await cp.client.submitDag({ jobs: [{ id: 'to-gate', type: 'GATE', file: 'gate', approval: { message: 'quick!', timeoutMs: 300 } }, { id: 'to-after', ...code, parents: ['to-gate'] }] });
    const gate = await waitFor(async () => {
      const j = await state('to-gate');
      return j.state === 'DEAD' && j;
    }, 10_000);
    expect(gate.error).toMatch(/approval timed out after 0 s: rejected/);
    expect((await state('to-after')).state).toBe('CANCELLED');
  });

  it("the original SDK's store key decides a gate, also when written before the gate was reached; CLEARED forgets it", async () => {
    const cap = tag();
    const a = await agentFor(cap);
    // Pre-approved while its parent still runs (the original gate script would have read it at start).
    await cp.client.kvPut('titan:hitl:status:hitl-gate-sk', 'APPROVED');
    await cp.client.submitDag({
      jobs: [
        { id: 'sk', ...code, requirement: cap, priority: 1_000_000 },
        { id: 'DAG-hitl-gate-sk', type: 'GATE', file: 'hitl_gate.py', parents: ['sk'], approval: { message: 'Review' } },
      ],
    });
    const [l] = await a.lease();
    await a.finish(l!.leaseId);
    expect((await state('DAG-hitl-gate-sk')).state).toBe('COMPLETED');
    // CLEARED (what the original SDK writes when it submits a gate) forgets the earlier decision.
    await cp.client.kvPut('titan:hitl:status:hitl-gate-sk2', 'REJECTED');
    await cp.client.kvPut('titan:hitl:status:hitl-gate-sk2', 'CLEARED');
    await cp.client.submitDag({ jobs: [{ id: 'DAG-hitl-gate-sk2', type: 'GATE', file: 'hitl_gate.py', approval: { message: 'Review' } }] });
    expect((await state('DAG-hitl-gate-sk2')).state).toBe('WAITING_APPROVAL');
    await cp.client.kvPut('titan:hitl:status:hitl-gate-sk2', 'APPROVED');
    expect((await state('DAG-hitl-gate-sk2')).state).toBe('COMPLETED');
    expect((await state('DAG-hitl-gate-sk2')).history!.map((h) => h.note)).toContain('approved by the TitanStore key');
  });

  it('refuses a GATE with code or without an approval, and stores nothing', async () => {
    await expect(cp.client.submitJob({ id: 'bad-gate', type: 'GATE', ...code, approval: { message: 'x' } })).rejects.toThrow(/a GATE job has no code/);
    await expect(cp.client.submitJob({ id: 'bad-gate', type: 'GATE', file: 'g' })).rejects.toThrow(/needs an approval/);
    await expect(cp.client.getJob('bad-gate')).rejects.toThrow(/no job/);
  });
});

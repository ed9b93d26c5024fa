import { describe, expect, it } from 'vitest';
import { logVerdict, reinstatable, resultVerdict, type LeaseFacts } from '../../../control-plane/src/core/leaseHolder';

const running: LeaseFacts = { state: 'RUNNING', run: 1, leaseId: 'L2', agentId: 'a2', prevLeaseId: null };
const requeued: LeaseFacts = { state: 'QUEUED', run: 1, leaseId: null, agentId: null, prevLeaseId: 'L1' };

describe('who may report a result', () => {
  it('takes the current holder, refuses another agent and an unknown lease', () => {
    expect(resultVerdict(running, 'L2', 'a2')).toBe('current');
    expect(resultVerdict(running, 'L2', 'other')).toBe('stale');
    expect(resultVerdict(undefined, 'L9', 'a2')).toBe('stale');
  });
  it('takes a late result of the lost lease while the job waits in the queue, as if the lease were current', () => {
    expect(resultVerdict(requeued, 'L1', 'a1')).toBe('late');
  });
  it('refuses it once the job was leased again or ended', () => {
    expect(resultVerdict({ ...running, prevLeaseId: null }, 'L1', 'a1')).toBe('stale');
    expect(resultVerdict({ ...requeued, state: 'CANCELLED' }, 'L1', 'a1')).toBe('stale');
  });
});

describe('who may write a log', () => {
  it('is 404 for an unknown job', () => {
    expect(logVerdict(undefined, null, 'L1', 1)).toBe('not_found');
  });
  it('takes the current lease of the same run only', () => {
    expect(logVerdict(running, null, 'L2', 1)).toBe('ok');
    expect(logVerdict(running, null, 'L2', 2)).toBe('stale');
    expect(logVerdict(running, null, 'L1', 1)).toBe('stale');
  });
  it('takes the lost lease whose late result would be taken, not once re-leased', () => {
    expect(logVerdict(requeued, null, 'L1', 1)).toBe('ok');
    expect(logVerdict({ ...running, prevLeaseId: 'L1' }, null, 'L1', 1)).toBe('stale');
  });
  it('takes lines resent after their lease recorded a result, for that run only', () => {
    const ended: LeaseFacts = { state: 'COMPLETED', run: 1, leaseId: null, agentId: null, prevLeaseId: null };
    expect(logVerdict(ended, 1, 'L2', 1)).toBe('ok');
    expect(logVerdict({ ...ended, run: 2 }, 1, 'L2', 1)).toBe('ok');
    expect(logVerdict(ended, 1, 'L2', 2)).toBe('stale');
    expect(logVerdict(ended, null, 'L2', 1)).toBe('stale');
  });
});

describe('a lost lease goes back to its holder', () => {
  const lost = { state: 'QUEUED' as const, prevLeaseId: 'L1', lastAgent: 'a' };
  it('when the agent that held it names it and nobody has leased the job since', () => {
    expect(reinstatable(lost, 'L1', 'a')).toBe(true);
  });
  it('not to another agent, not for another lease, not once the job moved on', () => {
    expect(reinstatable(lost, 'L1', 'b')).toBe(false);
    expect(reinstatable(lost, 'L0', 'a')).toBe(false);
    expect(reinstatable({ ...lost, state: 'RUNNING' }, 'L1', 'a')).toBe(false);
    expect(reinstatable({ ...lost, prevLeaseId: null }, 'L1', 'a')).toBe(false);
    expect(reinstatable(undefined, 'L1', 'a')).toBe(false);
  });
});

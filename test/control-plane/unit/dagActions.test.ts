import { describe, expect, it } from 'vitest';
import { retryFrontier, toCancel } from '../../../control-plane/src/core/dagActions';

describe('DAG actions', () => {
  // a → b → d, a → c → d: b died, so d was cancelled; c completed.
  const failed = [
    { id: 'a', state: 'COMPLETED' as const, parents: [] },
    { id: 'b', state: 'DEAD' as const, parents: ['a'] },
    { id: 'c', state: 'COMPLETED' as const, parents: ['a'] },
    { id: 'd', state: 'CANCELLED' as const, parents: ['b', 'c'] },
  ];
  it('retries where the failure started, not what it cancelled downstream nor what completed', () => {
    expect(retryFrontier(failed)).toEqual(['b']);
    // A job a user cancelled while its parents completed is a starting point too.
    expect(retryFrontier([{ id: 'x', state: 'CANCELLED', parents: [] }, { id: 'y', state: 'CANCELLED', parents: ['x'] }])).toEqual(['x']);
    expect(retryFrontier(failed.filter((j) => j.state === 'COMPLETED'))).toEqual([]);
  });
  it('cancels what has not ended', () => {
    expect(toCancel([{ id: 'p', state: 'PENDING', parents: [] }, { id: 'r', state: 'RUNNING', parents: [] }, { id: 'q', state: 'QUEUED', parents: [] }, { id: 'f', state: 'FAILED', parents: [] }, { id: 'c', state: 'COMPLETED', parents: [] }])).toEqual(['p', 'r', 'q', 'f']);
  });
});

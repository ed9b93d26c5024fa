import { describe, expect, it } from 'vitest';
import { EndWaiters } from '../../../control-plane/src/cluster/endWaiters';

describe('EndWaiters', () => {
  it('answers at once when ended, on the check after the end, or with the current value at timeout', async () => {
    const state = new Map([['a', 'RUNNING'], ['b', 'RUNNING']]);
    const w = new EndWaiters<string>((k) => (state.get(k) === 'DONE' ? `${k}:DONE` : null), (k) => `${k}:${state.get(k)}`);
    state.set('a', 'DONE');
    expect(await w.wait('a', 10_000)).toBe('a:DONE');
    const b1 = w.wait('b', 10_000);
    const b2 = w.wait('b', 10_000);
    expect(w.size).toBe(1);
    w.check(['b']); // nothing ended: still held
    state.set('b', 'DONE');
    w.check(['a']); // b is not among what changed: not looked at
    expect(w.size).toBe(1);
    w.check(['b', 'x']); // x: nobody waits on it
    expect(await Promise.all([b1, b2])).toEqual(['b:DONE', 'b:DONE']);
    expect(w.size).toBe(0);
    state.set('c', 'RUNNING');
    expect(await w.wait('c', 20)).toBe('c:RUNNING');
    expect(w.size).toBe(0);
  });
});

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
    w.check(); // nothing ended: still held
    state.set('b', 'DONE');
    w.check();
    expect(await Promise.all([b1, b2])).toEqual(['b:DONE', 'b:DONE']);
    expect(w.size).toBe(0);
    state.set('c', 'RUNNING');
    expect(await w.wait('c', 20)).toBe('c:RUNNING');
    expect(w.size).toBe(0);
  });
});

describe('EndWaiters with a minimum gap between checks', () => {
  it('folds checks closer than the gap into one a little later, and still answers the end', async () => {
    let probes = 0;
    let done = false;
    const w = new EndWaiters<string>(
      () => (probes++, done ? 'end' : null),
      () => 'timeout',
      30,
    );
    const held = w.wait('d', 5_000); // probe 1 (at once)
    w.check(); // probe 2
    for (let i = 0; i < 50; i++) w.check(); // within the gap: folded
    expect(probes).toBe(2);
    done = true;
    w.check(); // still within the gap: the trailing check answers
    expect(await held).toBe('end');
    expect(probes).toBe(3);
  });
});

import { describe, expect, it } from 'vitest';
import type { Lease, Order } from '../../../control-plane/src/contract/agents';
import { Waiters } from '../../../control-plane/src/cluster/waiters';

const lease = (id: string): Lease => ({ leaseId: `L-${id}`, expiresAt: 1, job: { id } as Lease['job'] });
const tick = () => new Promise((r) => setTimeout(r, 0));

/** A fake scheduler: `free` slots per agent, a queue of job ids, orders per agent. */
function setup() {
  const free = new Map<string, number>();
  const queue: string[] = [];
  const orders = new Map<string, Order[]>();
  const asked: [string, number][] = [];
  const w = new Waiters(
    (agentId, max) => {
      asked.push([agentId, max]);
      const n = Math.min(max, free.get(agentId) ?? 0);
      return queue.splice(0, n).map(lease);
    },
    (agentId) => orders.get(agentId) ?? [],
    () => {},
  );
  return { w, free, queue, orders, asked };
}

describe('Waiters', () => {
  it('a poll held while its slots were busy takes work once its own results free them', async () => {
    const { w, free, queue, asked } = setup();
    queue.push('j1');
    const p = w.wait('a', 2, [], 10_000);
    w.slotsFreed('a');
    await tick();
    expect(asked).toEqual([['a', 2]]); // asked with what the agent wanted, not with what was free at hold time
    free.set('a', 1);
    w.slotsFreed('a');
    const r = await p;
    expect(r.ok && r.value.leases.map((l) => l.job.id)).toEqual(['j1']);
  });

  it("one agent's freed slots do not make every other held poll look at the queue", async () => {
    const { w, asked } = setup();
    void w.wait('a', 1, [], 10_000);
    void w.wait('b', 1, [], 10_000);
    w.slotsFreed('a');
    await tick();
    expect(asked.map(([a]) => a)).toEqual(['a']);
    w.wakeSoon();
    await tick();
    expect(asked.map(([a]) => a).sort()).toEqual(['a', 'a', 'b']);
  });

  it('an order answers an orders-only poll at once, without taking work', async () => {
    const { w, orders, queue, asked } = setup();
    queue.push('j1');
    const p = w.wait('a', 0, [], 10_000);
    orders.set('a', [{ leaseId: 'L1', jobId: 'x', action: 'cancel' }]);
    w.notify('a');
    const r = await p;
    expect(r.ok && r.value.orders).toEqual([{ leaseId: 'L1', jobId: 'x', action: 'cancel' }]);
    expect(asked).toEqual([]);
  });

  it('a newer poll of the same agent answers the older one empty', async () => {
    const { w } = setup();
    const first = w.wait('a', 1, [], 10_000);
    void w.wait('a', 1, [], 10_000);
    const r = await first;
    expect(r.ok && r.value).toEqual({ leases: [], acks: [], orders: [] });
  });
});

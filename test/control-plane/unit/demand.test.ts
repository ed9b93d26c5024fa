import { describe, expect, it } from 'vitest';
import { demandChanges, demandOf, nextDemandCheck, type AgentSupply } from '../../../control-plane/src/core/demand';

const none = { gpus: 0, gpuMemoryMb: 0, cpus: 0, memoryMb: 0 };
const twoGpus = { ...none, gpus: 2 };
const gpu = (index: number) => ({ index, uuid: `GPU-${index}`, memoryMb: 81_920 });
const agent = (o: Partial<AgentSupply>): AgentSupply => ({
  capabilities: ['GENERAL'], alive: true, slots: 4, usedSlots: 0, total: { cpus: 8, memoryMb: 16_384, gpus: [] }, free: { cpus: 8, memoryMb: 16_384, gpus: [] }, ...o,
});
const t = { queued: 2, waitMs: 1_000 };

describe('demandOf', () => {
  const agents = [
    agent({ capabilities: ['GENERAL', 'GPU'], usedSlots: 1, total: { cpus: 8, memoryMb: 16_384, gpus: [gpu(0), gpu(1)] }, free: { cpus: 8, memoryMb: 16_384, gpus: [gpu(1)] } }),
    agent({ usedSlots: 4 }),
    agent({ alive: false }),
  ];
  const d = demandOf(
    [
      { requirement: 'GENERAL', ask: none, state: 'QUEUED', n: 5, oldest: 8_000 },
      { requirement: 'GENERAL', ask: none, state: 'RUNNING', n: 4, oldest: null },
      { requirement: 'GENERAL', ask: twoGpus, state: 'QUEUED', n: 1, oldest: 9_500 },
      { requirement: 'GENERAL', ask: { ...none, gpus: 4 }, state: 'QUEUED', n: 3, oldest: 1_000 },
    ],
    agents,
    10_000,
    t,
  );
  it('groups by capability and shape, with the oldest wait, and flags backlog by both thresholds', () => {
    expect(d.groups.map((g) => [g.gpus, g.queued, g.running, g.oldestWaitMs, g.backlogged, g.placeable])).toEqual([
      [0, 5, 4, 2_000, true, true],
      [2, 1, 0, 500, false, true], // below both thresholds
      [4, 3, 0, 9_000, true, false], // no live agent has 4 GPUs
    ]);
    expect(d.backlogged).toBe(true);
    expect(d.thresholds).toEqual(t);
  });
  it('counts live agents only in the supply per capability', () => {
    expect(d.supply).toEqual([
      { capability: 'GENERAL', agents: 2, slots: 8, freeSlots: 3, gpus: 2, freeGpus: 1 },
      { capability: 'GPU', agents: 1, slots: 4, freeSlots: 3, gpus: 2, freeGpus: 1 },
    ]);
  });
});

describe('demandChanges (the webhook rule)', () => {
  const at = (queued: number, oldest: number | null, now: number) =>
    demandOf(queued ? [{ requirement: 'GENERAL', ask: none, state: 'QUEUED', n: queued, oldest }] : [], [agent({})], now, t);
  it('high once when a group becomes backlogged, low once when it clears (also when it vanishes)', () => {
    let prev = {};
    const step = (d: ReturnType<typeof at>) => {
      const r = demandChanges(prev, d);
      prev = r.next;
      return r.events.map((e) => `${e.event}:${e.group.queued}`);
    };
    expect(step(at(3, 0, 500))).toEqual([]); // not waited long enough
    expect(step(at(3, 0, 1_500))).toEqual(['demand.high:3']);
    expect(step(at(4, 0, 3_000))).toEqual([]); // still high: nothing new
    expect(step(at(0, null, 4_000))).toEqual(['demand.low:0']);
    expect(step(at(0, null, 5_000))).toEqual([]);
  });
  it('looks again soon while anything is queued or remembered, else not at all', () => {
    expect(nextDemandCheck(100, 0, 0, t)).toBeNull();
    expect(nextDemandCheck(100, 1, 0, t)).toBe(100 + 500);
    expect(nextDemandCheck(100, 0, 1, { queued: 1, waitMs: 60_000 })).toBe(100 + 5_000);
  });
});

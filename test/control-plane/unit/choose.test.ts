import { describe, expect, it } from 'vitest';
import { capabilitiesOf, chooseJobs, mergeByRank } from '../../../control-plane/src/core/choose';

describe('chooseJobs', () => {
  const agent = { id: 'a1', capabilities: new Set(['GENERAL']) };
  it('never hands a GPU job to a GENERAL-only agent, and does not let it block others', () => {
    const got = chooseJobs(
      [
        { id: 'gpu', requirement: 'GPU', affinityAgent: null },
        { id: 'cpu', requirement: 'GENERAL', affinityAgent: null },
      ],
      agent,
      () => true,
      2,
    );
    expect(got.map((c) => c.id)).toEqual(['cpu']);
  });
  it('holds an affinity job for its live parent node, releases it when that node is dead', () => {
    const c = [{ id: 'child', requirement: 'GENERAL', affinityAgent: 'a2' }];
    expect(chooseJobs(c, agent, () => true, 1)).toEqual([]);
    expect(chooseJobs(c, agent, () => false, 1).map((x) => x.id)).toEqual(['child']);
    expect(chooseJobs(c, { ...agent, id: 'a2' }, () => true, 1).map((x) => x.id)).toEqual(['child']);
  });
  it('merges per-capability queues by priority, then age', () => {
    const gpu = [{ id: 'g1', priority: 5, seq: 9 }, { id: 'g2', priority: 1, seq: 2 }];
    const cpu = [{ id: 'c1', priority: 5, seq: 3 }, { id: 'c2', priority: 1, seq: 1 }];
    expect(mergeByRank([gpu, cpu]).map((x) => x.id)).toEqual(['c1', 'g1', 'c2', 'g2']);
  });
  it('respects max', () => {
    const c = Array.from({ length: 5 }, (_, i) => ({ id: `j${i}`, requirement: 'GENERAL', affinityAgent: null }));
    expect(chooseJobs(c, agent, () => true, 3)).toHaveLength(3);
  });
});

describe('capabilitiesOf', () => {
  it('always includes GENERAL, upper-cases and de-duplicates', () => {
    expect(capabilitiesOf([])).toEqual(['GENERAL']);
    expect(capabilitiesOf(['gpu', 'GPU', 'general', 'High_Mem'])).toEqual(['GENERAL', 'GPU', 'HIGH_MEM']);
  });
});

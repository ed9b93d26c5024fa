import { describe, expect, it } from 'vitest';
import { capabilitiesOf, chooseJobs, mergeByRank, type Candidate } from '../../../control-plane/src/core/choose';

const NO_ASK = { gpus: 0, gpuMemoryMb: 0, cpus: 0, memoryMb: 0 };
let seq = 0;
const cand = (c: Partial<Candidate> & { id: string }): Candidate => ({ requirement: 'GENERAL', affinityAgent: null, priority: 1, seq: ++seq, ask: NO_ASK, ...c });
const ids = (got: { candidate: Candidate }[]) => got.map((g) => g.candidate.id);

describe('chooseJobs', () => {
  const agent = { id: 'a1', capabilities: new Set(['GENERAL']), free: { cpus: 0, memoryMb: 0, gpus: [] } };
  it('never hands a GPU job to a GENERAL-only agent, and does not let it block others', () => {
    const got = chooseJobs(
      [cand({ id: 'gpu', requirement: 'GPU' }), cand({ id: 'cpu' })],
      agent,
      () => true,
      2,
    );
    expect(ids(got)).toEqual(['cpu']);
  });
  it('holds an affinity job for its live parent node, releases it when that node is dead', () => {
    const c = [cand({ id: 'child', affinityAgent: 'a2' })];
    expect(chooseJobs(c, agent, () => true, 1)).toEqual([]);
    expect(ids(chooseJobs(c, agent, () => false, 1))).toEqual(['child']);
    expect(ids(chooseJobs(c, { ...agent, id: 'a2' }, () => true, 1))).toEqual(['child']);
  });
  it('merges per-capability queues by priority, then age', () => {
    const gpu = [{ id: 'g1', priority: 5, seq: 9 }, { id: 'g2', priority: 1, seq: 2 }];
    const cpu = [{ id: 'c1', priority: 5, seq: 3 }, { id: 'c2', priority: 1, seq: 1 }];
    expect(mergeByRank([gpu, cpu]).map((x) => x.id)).toEqual(['c1', 'g1', 'c2', 'g2']);
  });
  it('respects max', () => {
    const c = Array.from({ length: 5 }, (_, i) => cand({ id: `j${i}` }));
    expect(chooseJobs(c, agent, () => true, 3)).toHaveLength(3);
  });
});

describe('capabilitiesOf', () => {
  it('always includes GENERAL, upper-cases and de-duplicates', () => {
    expect(capabilitiesOf([])).toEqual(['GENERAL']);
    expect(capabilitiesOf(['gpu', 'GPU', 'general', 'High_Mem'])).toEqual(['GENERAL', 'GPU', 'HIGH_MEM']);
  });
});

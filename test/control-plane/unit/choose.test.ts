import { describe, expect, it } from 'vitest';
import { capabilitiesOf, chooseJobs, mergeByRank, mergeWindow, type Candidate } from '../../../control-plane/src/core/choose';

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
  it('merges queue heads read to a limit only as far as nothing unread could outrank them', () => {
    const a = [{ id: 'a1', priority: 1, seq: 1 }, { id: 'a2', priority: 1, seq: 5 }]; // read to the limit (2)
    const b = [{ id: 'b1', priority: 1, seq: 2 }]; // all of it
    const w = mergeWindow([a, b], 2);
    expect(w.queued.map((x) => x.id)).toEqual(['a1', 'b1', 'a2']);
    expect(w.whole).toBe(false);
    // b read to its limit ends first: a2 (seq 5) could have an unread b2 (seq 3) ahead of it.
    const b2 = [{ id: 'b1', priority: 1, seq: 2 }, { id: 'b2', priority: 1, seq: 3 }];
    expect(mergeWindow([a, b2], 2).queued.map((x) => x.id)).toEqual(['a1', 'b1', 'b2']);
    expect(mergeWindow([[a[0]!], b], 2)).toEqual({ queued: [a[0], b[0]], whole: true });
  });
  it('choosing from the merged heads takes what choosing from the whole queues would', () => {
    let x = 7;
    const rnd = (n: number) => ((x = (x * 1103515245 + 12345) % 2 ** 31), x % n);
    for (let trial = 0; trial < 300; trial++) {
      const caps = ['GENERAL', 'GPU', 'X'].slice(0, 1 + rnd(3));
      const whole = caps.map((requirement) =>
        Array.from({ length: rnd(12) }, (_, i) => cand({ id: `${requirement}${trial}-${i}`, requirement, priority: rnd(3), seq: rnd(1000), affinityAgent: rnd(3) === 0 ? 'a2' : null })).sort((p, q) => q.priority - p.priority || p.seq - q.seq),
      );
      const max = 1 + rnd(4);
      const limit = max + 2;
      const who = { ...agent, capabilities: new Set(caps) };
      const all = chooseJobs(mergeByRank(whole), who, () => true, max);
      const head = mergeWindow(whole.map((l) => l.slice(0, limit)), limit);
      expect(mergeByRank(whole).slice(0, head.queued.length)).toEqual(head.queued);
      const got = chooseJobs(head.queued, who, () => true, max);
      if (got.length === max || head.whole) expect(ids(got)).toEqual(ids(all));
    }
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

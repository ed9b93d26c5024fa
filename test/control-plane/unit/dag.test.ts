import { describe, expect, it } from 'vitest';
import { maybeReady, validateDag } from '../../../control-plane/src/core/dag';
import { findCycle } from '../../../control-plane/src/contract/graph';

const none = () => undefined;

describe('validateDag', () => {
  it('orders a diamond topologically', () => {
    const r = validateDag([{ id: 'D', parents: ['B', 'C'] }, { id: 'B', parents: ['A'] }, { id: 'C', parents: ['A'] }, { id: 'A', parents: [] }], none);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.order[0]).toBe('A');
    expect(r.order[3]).toBe('D');
  });
  it('refuses duplicate ids', () => {
    expect(validateDag([{ id: 'A', parents: [] }, { id: 'A', parents: [] }], none)).toEqual({ ok: false, message: 'duplicate job id A' });
  });
  it('refuses unknown parents but accepts parents already in the cluster', () => {
    expect(validateDag([{ id: 'B', parents: ['A'] }], none)).toEqual({ ok: false, message: 'job B has unknown parent A' });
    expect(validateDag([{ id: 'B', parents: ['A'] }], (id) => (id === 'A' ? { active: false } : undefined)).ok).toBe(true);
  });
  it('accepts an affinity to a job in the DAG or in the cluster (either id spelling), refuses an unknown one', () => {
    const known = (id: string) => (id === 'DAG-up' ? { active: false } : undefined);
    expect(validateDag([{ id: 'B', parents: [], affinityTo: 'gone' }], known)).toEqual({ ok: false, message: 'job B has affinity to unknown job gone' });
    expect(validateDag([{ id: 'B', parents: [], affinityTo: 'up' }], known).ok).toBe(true);
    expect(validateDag([{ id: 'A', parents: [] }, { id: 'B', parents: [], affinityTo: 'A' }], none).ok).toBe(true);
  });
  it('promotes at submit only the jobs with no parent in the same submission', () => {
    const nodes = [{ id: 'C', parents: ['B'] }, { id: 'B', parents: ['A'] }, { id: 'A', parents: [] }, { id: 'D', parents: ['outside'] }, { id: 'E', parents: ['outside', 'A'] }];
    expect(maybeReady(nodes)).toEqual(['A', 'D']);
  });
  it('names the cycle', () => {
    const r = validateDag([{ id: 'A', parents: ['C'] }, { id: 'B', parents: ['A'] }, { id: 'C', parents: ['B'] }], none);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toMatch(/^cycle: /);
    expect(r.message.split(' -> ')).toHaveLength(4);
  });
  it('refuses self-dependency and doubled parents', () => {
    expect(validateDag([{ id: 'A', parents: ['A'] }], none).ok).toBe(false);
    expect(validateDag([{ id: 'A', parents: [] }, { id: 'B', parents: ['A', 'A'] }], none).ok).toBe(false);
  });
  it('flags resubmission of an active id as a conflict', () => {
    const r = validateDag([{ id: 'A', parents: [] }], () => ({ active: true }));
    expect(r).toEqual({ ok: false, message: 'job A is still active', conflict: true });
  });
  it('handles a 10,000-long chain without recursion limits', () => {
    const nodes = Array.from({ length: 10_000 }, (_, i) => ({ id: `n${i}`, parents: i ? [`n${i - 1}`] : [] }));
    expect(findCycle(nodes)).toBeNull();
    const r = validateDag(nodes, none);
    expect(r.ok && r.order[9_999]).toBe('n9999');
  });
});

import { describe, expect, it } from 'vitest';
import { spawnPlan, underSpawner } from '../../../control-plane/src/core/spawn';

const limits = { maxDepth: 2, maxJobs: 10 };
const size = () => 4;

describe('spawnPlan', () => {
  it('a running parent in a DAG makes a spawn one level deeper; ended or outside-DAG parents are plain dependencies', () => {
    expect(spawnPlan([{ id: 'p', state: 'RUNNING', dag: 'd1', depth: 0 }], 3, size, limits)).toEqual({ kind: 'join', dag: 'd1', depth: 1 });
    expect(spawnPlan([{ id: 'p', state: 'COMPLETED', dag: 'd1', depth: 0 }], 3, size, limits)).toEqual({ kind: 'none' });
    expect(spawnPlan([{ id: 'p', state: 'RUNNING', dag: null, depth: 0 }], 3, size, limits)).toEqual({ kind: 'none' });
    expect(spawnPlan([], 3, size, limits)).toEqual({ kind: 'none' });
  });
  it('refuses past the depth or size limit, and running parents of two DAGs', () => {
    expect(spawnPlan([{ id: 'deep', state: 'RUNNING', dag: 'd1', depth: 2 }], 1, size, limits)).toEqual({ kind: 'refuse', message: 'spawn depth limit 2 reached: deep is 2 spawns deep in DAG d1' });
    expect(spawnPlan([{ id: 'p', state: 'RUNNING', dag: 'd1', depth: 0 }], 7, size, limits)).toEqual({ kind: 'refuse', message: 'DAG d1 would hold 11 jobs, over its limit of 10' });
    expect(spawnPlan([{ id: 'a', state: 'RUNNING', dag: 'd1', depth: 0 }, { id: 'b', state: 'RUNNING', dag: 'd2', depth: 0 }], 1, size, limits)).toMatchObject({ kind: 'refuse', message: expect.stringMatching(/one DAG/) });
  });
  it('only a running job spawns; jobs naming no parent hang under it', () => {
    expect(underSpawner({ id: 'p', state: 'COMPLETED' }, [])).toEqual({ ok: false, message: 'job p is not running (it is COMPLETED): only a running job can spawn' });
    expect(underSpawner({ id: 'p', state: 'RUNNING' }, [{ id: 'a', parents: [] }, { id: 'b', parents: ['a'] }])).toEqual({ ok: true, jobs: [{ id: 'a', parents: ['p'] }, { id: 'b', parents: ['a'] }] });
  });
});

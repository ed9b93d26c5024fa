/**
 * Self-extending graphs: jobs submitted with a parent that is still RUNNING inside a DAG are spawned by
 * it — they join that DAG (which then ends only when the grown graph has), one spawn level deeper. Limits
 * per DAG (depth, total jobs) stop a runaway with a clear error. Pure.
 */
import type { JobState } from '../contract/jobs';

export interface OutsideParent {
  id: string;
  state: JobState;
  dag: string | null;
  /** How many spawns deep the parent is (0: submitted, not spawned). */
  depth: number;
}

export interface SpawnLimits {
  maxDepth: number;
  maxJobs: number;
}

export type SpawnPlan = { kind: 'none' } | { kind: 'join'; dag: string; depth: number } | { kind: 'refuse'; message: string };

/**
 * What a submission with parents outside it means. Parents that ended or wait are plain dependencies
 * (`none`); running ones in a DAG make it a spawn into that DAG, if all are in the same one and the
 * limits hold. `dagSize` counts the jobs the DAG holds now.
 */
export function spawnPlan(parents: readonly OutsideParent[], newJobs: number, dagSize: (dag: string) => number, limits: SpawnLimits): SpawnPlan {
  const spawners = parents.filter((p) => p.state === 'RUNNING' && p.dag !== null);
  if (!spawners.length) return { kind: 'none' };
  const dags = [...new Set(spawners.map((p) => p.dag!))];
  if (dags.length > 1) return { kind: 'refuse', message: `spawned jobs must hang under jobs of one DAG (running parents are in ${dags.join(', ')})` };
  const dag = dags[0]!;
  const depth = Math.max(...spawners.map((p) => p.depth)) + 1;
  if (depth > limits.maxDepth) {
    const deepest = spawners.reduce((a, b) => (b.depth > a.depth ? b : a));
    return { kind: 'refuse', message: `spawn depth limit ${limits.maxDepth} reached: ${deepest.id} is ${deepest.depth} spawns deep in DAG ${dag}` };
  }
  const total = dagSize(dag) + newJobs;
  if (total > limits.maxJobs) return { kind: 'refuse', message: `DAG ${dag} would hold ${total} jobs, over its limit of ${limits.maxJobs}` };
  return { kind: 'join', dag, depth };
}

/** The explicit spawn (POST /v1/jobs/{id}/spawn): only a running job spawns; jobs naming no parent hang under it. */
export function underSpawner<T extends { parents: readonly string[] }>(spawner: { id: string; state: JobState }, jobs: readonly T[]): { ok: true; jobs: T[] } | { ok: false; message: string } {
  if (spawner.state !== 'RUNNING') return { ok: false, message: `job ${spawner.id} is not running (it is ${spawner.state}): only a running job can spawn` };
  return { ok: true, jobs: jobs.map((j) => (j.parents.length ? j : { ...j, parents: [spawner.id] })) };
}

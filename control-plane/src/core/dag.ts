/** DAG validation: a pure function over the submitted jobs and what the cluster already holds. */

import { findCycle, type DagNode } from '../contract/graph';
import { otherIdForm } from '../contract/jobs';

export type { DagNode };

export type ExistingLookup = (id: string) => { active: boolean } | undefined;

export type DagCheck = { ok: true; order: string[] } | { ok: false; message: string; conflict?: boolean };

/**
 * Ids must be unique, parents and affinity targets known (in the DAG or already in the cluster), no cycles.
 * A job id that is still active in the cluster cannot be submitted again (`conflict`).
 * Returns a topological order of the submitted ids.
 */
export function validateDag(nodes: readonly DagNode[], existing: ExistingLookup): DagCheck {
  const ids = new Set<string>();
  for (const n of nodes) {
    if (ids.has(n.id)) return { ok: false, message: `duplicate job id ${n.id}` };
    ids.add(n.id);
  }
  for (const n of nodes) {
    const seen = new Set<string>();
    for (const p of n.parents) {
      if (p === n.id) return { ok: false, message: `job ${n.id} depends on itself` };
      if (seen.has(p)) return { ok: false, message: `job ${n.id} lists parent ${p} twice` };
      seen.add(p);
      if (!ids.has(p) && !existing(p)) return { ok: false, message: `job ${n.id} has unknown parent ${p}` };
    }
    const beside = n.affinityTo;
    if (beside && !ids.has(beside) && !existing(beside) && !existing(otherIdForm(beside))) return { ok: false, message: `job ${n.id} has affinity to unknown job ${beside}` };
  }
  for (const n of nodes) {
    if (existing(n.id)?.active) return { ok: false, message: `job ${n.id} is still active`, conflict: true };
  }
  const cycle = findCycle(nodes, ids);
  if (cycle) return { ok: false, message: `cycle: ${cycle.join(' -> ')}` };
  return { ok: true, order: topoOrder(nodes, ids) };
}

/** Kahn's algorithm over the in-DAG edges only (parents outside the DAG are already stored). */
function topoOrder(nodes: readonly DagNode[], ids: Set<string>): string[] {
  const indeg = new Map<string, number>();
  const children = new Map<string, string[]>();
  for (const n of nodes) {
    indeg.set(n.id, n.parents.filter((p) => ids.has(p)).length);
    for (const p of n.parents) if (ids.has(p)) (children.get(p) ?? children.set(p, []).get(p)!).push(n.id);
  }
  const queue = nodes.filter((n) => indeg.get(n.id) === 0).map((n) => n.id);
  const order: string[] = [];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    order.push(id);
    for (const c of children.get(id) ?? []) {
      const d = indeg.get(c)! - 1;
      indeg.set(c, d);
      if (d === 0) queue.push(c);
    }
  }
  return order;
}

/**
 * The submitted jobs that may be ready at once: those with no parent in the same submission. A
 * parent submitted alongside is still PENDING, so its children can only wait: promoting them would
 * be a wasted read per job (a 10,000-job fan-out spends most of its submit time there).
 */
export function maybeReady(nodes: readonly DagNode[]): string[] {
  const ids = new Set(nodes.map((n) => n.id));
  return nodes.filter((n) => !n.parents.some((p) => ids.has(p))).map((n) => n.id);
}

/** Graph rules shared by the control plane and the clients (pipelines check before sending). */

export interface DagNode {
  id: string;
  parents: readonly string[];
  /** A job to run beside (JobFields.affinityTo): in the DAG or already in the cluster. */
  affinityTo?: string | null;
}

/** One cycle as a path `a -> b -> a`, or null. Iterative DFS so deep chains cannot overflow the stack. */
export function findCycle(nodes: readonly DagNode[], ids: Set<string> = new Set(nodes.map((n) => n.id))): string[] | null {
  const parentsOf = new Map(nodes.map((n) => [n.id, n.parents.filter((p) => ids.has(p))]));
  const color = new Map<string, 0 | 1 | 2>();
  for (const start of parentsOf.keys()) {
    if (color.get(start)) continue;
    const stack: { id: string; i: number }[] = [{ id: start, i: 0 }];
    color.set(start, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const ps = parentsOf.get(top.id)!;
      if (top.i < ps.length) {
        const next = ps[top.i++];
        const c = color.get(next) ?? 0;
        if (c === 1) {
          const path = stack.map((s) => s.id);
          const from = path.indexOf(next);
          // We walked child -> parent; print it parent -> child, the way users draw DAGs.
          return [...path.slice(from), next].reverse();
        }
        if (c === 0) {
          color.set(next, 1);
          stack.push({ id: next, i: 0 });
        }
      } else {
        color.set(top.id, 2);
        stack.pop();
      }
    }
  }
  return null;
}

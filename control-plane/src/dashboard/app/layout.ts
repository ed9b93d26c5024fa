/**
 * The dashboard's decisions, as pure functions: graph layering (placement is dagre's, in
 * `graph.ts`), status colours, time formatting. No DOM here, so each is unit-tested in plain Node.
 */

export type Edge = readonly [parent: string, child: string];

/**
 * Longest-path layering: a node's layer is one more than its deepest parent's, so every edge
 * points to a later layer. Edges naming unknown ids are ignored; nodes caught in a cycle (a
 * valid DAG has none) go one layer past the rest rather than looping forever.
 */
export function longestPathLayers(ids: readonly string[], edges: readonly Edge[]): Map<string, number> {
  const known = new Set(ids);
  const children = new Map<string, string[]>();
  const indegree = new Map<string, number>();
  for (const id of ids) (children.set(id, []), indegree.set(id, 0));
  for (const [p, c] of edges) {
    if (!known.has(p) || !known.has(c) || p === c) continue;
    children.get(p)!.push(c);
    indegree.set(c, indegree.get(c)! + 1);
  }
  const layer = new Map<string, number>();
  const ready = ids.filter((id) => indegree.get(id) === 0);
  for (const id of ready) layer.set(id, 0);
  // Kahn's order: a node is placed only once all its parents are, so its layer is final.
  for (let i = 0; i < ready.length; i++) {
    const id = ready[i];
    for (const c of children.get(id)!) {
      layer.set(c, Math.max(layer.get(c) ?? 0, layer.get(id)! + 1));
      indegree.set(c, indegree.get(c)! - 1);
      if (indegree.get(c) === 0) ready.push(c);
    }
  }
  if (ready.length < ids.length) {
    const placed = new Set(ready);
    const past = Math.max(-1, ...ready.map((id) => layer.get(id)!)) + 1;
    for (const id of ids) if (!placed.has(id)) layer.set(id, past);
  }
  return layer;
}

/** Fill and text colour for a user-facing status (see `userStatus` in the contract). */
export function statusColor(status: string): { fill: string; text: string } {
  switch (status) {
    case 'RUNNING':
      return { fill: '#2563eb', text: '#ffffff' };
    case 'COMPLETED':
      return { fill: '#15803d', text: '#ffffff' };
    case 'FAILED':
      return { fill: '#dc2626', text: '#ffffff' };
    case 'CANCELLED':
      return { fill: '#374151', text: '#ffffff' };
    case 'WAITING_APPROVAL':
      return { fill: '#d97706', text: '#ffffff' };
    default: // PENDING, and anything newer than this page
      return { fill: '#d1d5db', text: '#111827' };
  }
}

/** `850ms`, `4.2s`, `3m 07s`, `2h 05m`; a dash when unknown. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** How long a job has run: to its end, or to `now` while it still runs; null before it starts. */
export function jobDurationMs(job: { startedAt: number | null; finishedAt: number | null }, now: number): number | null {
  if (job.startedAt === null) return null;
  return Math.max(0, (job.finishedAt ?? now) - job.startedAt);
}

/** `just now`, `12s ago`, `5m ago`, `3h ago`, `2d ago`. */
export function formatAgo(ts: number, now: number): string {
  const s = Math.floor((now - ts) / 1000);
  if (s < 2) return 'just now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

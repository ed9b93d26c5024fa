/**
 * The dashboard's decisions, as pure functions: graph layering and placement, status colours,
 * time formatting, SSE parsing. No DOM here, so each is unit-tested in plain Node.
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

export interface Placement {
  /** Top-left corner of each node's box. */
  pos: Map<string, { x: number; y: number }>;
  width: number;
  height: number;
}

/**
 * Boxes on a left-to-right grid: one column per layer, each column centred vertically. Within a
 * column nodes are ordered by the mean row of their parents (one barycentre pass), which keeps
 * most edges from crossing; ties keep the input order, so a redraw never shuffles the graph.
 */
export function placeNodes(
  layers: Map<string, number>,
  edges: readonly Edge[],
  box: { w: number; h: number; gapX: number; gapY: number; pad: number },
): Placement {
  const columns: string[][] = [];
  for (const [id, l] of layers) (columns[l] ??= []).push(id);
  const parents = new Map<string, string[]>();
  for (const [p, c] of edges) if (layers.has(p) && layers.has(c)) parents.set(c, [...(parents.get(c) ?? []), p]);
  const row = new Map<string, number>();
  for (const col of columns) {
    if (!col) continue;
    const score = new Map<string, number>();
    col.forEach((id, i) => {
      const rows = (parents.get(id) ?? []).map((p) => row.get(p)).filter((r): r is number => r !== undefined);
      score.set(id, rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : i);
    });
    col.sort((a, b) => score.get(a)! - score.get(b)!);
    col.forEach((id, i) => row.set(id, i));
  }
  const tallest = Math.max(1, ...columns.map((c) => (c ? c.length : 0)));
  const height = box.pad * 2 + tallest * box.h + (tallest - 1) * box.gapY;
  const pos = new Map<string, { x: number; y: number }>();
  columns.forEach((col, l) => {
    if (!col) return;
    const span = col.length * box.h + (col.length - 1) * box.gapY;
    const top = (height - span) / 2;
    col.forEach((id, i) => pos.set(id, { x: box.pad + l * (box.w + box.gapX), y: top + i * (box.h + box.gapY) }));
  });
  const width = box.pad * 2 + Math.max(1, columns.length) * box.w + Math.max(0, columns.length - 1) * box.gapX;
  return { pos, width, height };
}

/** An SVG path from the right edge of one box to the left edge of another, as a smooth S-curve. */
export function edgePath(from: { x: number; y: number }, to: { x: number; y: number }, w: number, h: number): string {
  const x1 = from.x + w;
  const y1 = from.y + h / 2;
  const x2 = to.x;
  const y2 = to.y + h / 2;
  const mid = (x1 + x2) / 2;
  return `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`;
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

/**
 * The DAG graph's decisions, pure: which jobs a wide level shows (the rest fold into one
 * "+N more" node until expanded), where boxes and edges go (dagre, a layered layout made for
 * DAGs: it orders each level to cut crossings and routes long edges between boxes, not through
 * them), the curve of an edge, and zoom arithmetic. The DOM shell is `views/dagGraph.ts`.
 */
import dagre from '@dagrejs/dagre';
import { longestPathLayers, type Edge } from './layout';

export interface GraphJob {
  id: string;
  status: string;
}

export type GraphNode = { kind: 'job'; key: string; job: GraphJob } | { kind: 'more'; key: string; layer: number; jobs: GraphJob[] };

export interface CollapsedGraph {
  nodes: GraphNode[];
  /** Between node keys, each once. */
  edges: [string, string][];
  /** Levels too wide to show whole, folded or not: what "collapse" can act on. */
  wide: number[];
}

/** A level of more than `max` jobs shows `keep` of them and a "+N more" node. */
export const WIDE_LEVEL = { max: 12, keep: 8 };

/** Jobs that want a person's eye stay in view when their level folds. */
const ATTENTION = new Set(['FAILED', 'WAITING_APPROVAL']);

export const jobKey = (id: string) => `job:${id}`;
export const moreKey = (layer: number) => `more:${layer}`;

/**
 * Levels are longest-path layers. In a folded level the jobs shown are, in this order, those
 * needing attention, those whose parent is in view (so a chain stays traceable), then the first
 * in submission order; the rest become one node, and their edges lead to and from it.
 */
export function collapseWideLevels(jobs: readonly GraphJob[], edges: readonly Edge[], expanded: ReadonlySet<number>, limits = WIDE_LEVEL): CollapsedGraph {
  const layers = longestPathLayers(
    jobs.map((j) => j.id),
    edges,
  );
  const byLayer: GraphJob[][] = [];
  for (const j of jobs) (byLayer[layers.get(j.id)!] ??= []).push(j);
  const parents = new Map<string, string[]>();
  for (const [p, c] of edges) parents.set(c, [...(parents.get(c) ?? []), p]);

  const keyOf = new Map<string, string>();
  const nodes: GraphNode[] = [];
  const wide: number[] = [];
  const showAll = (level: GraphJob[]) => {
    for (const j of level) {
      keyOf.set(j.id, jobKey(j.id));
      nodes.push({ kind: 'job', key: jobKey(j.id), job: j });
    }
  };
  byLayer.forEach((level, l) => {
    if (level.length <= limits.max) return showAll(level);
    wide.push(l);
    if (expanded.has(l)) return showAll(level);
    const parentInView = (j: GraphJob) => (parents.get(j.id) ?? []).some((p) => keyOf.get(p) === jobKey(p));
    const rank = (j: GraphJob) => (ATTENTION.has(j.status) ? 0 : parentInView(j) ? 1 : 2);
    const shown = new Set(
      level
        .map((j, i) => ({ j, i, r: rank(j) }))
        .sort((a, b) => a.r - b.r || a.i - b.i)
        .slice(0, limits.keep)
        .map((x) => x.j.id),
    );
    const hidden: GraphJob[] = [];
    for (const j of level) {
      if (shown.has(j.id)) {
        keyOf.set(j.id, jobKey(j.id));
        nodes.push({ kind: 'job', key: jobKey(j.id), job: j });
      } else {
        keyOf.set(j.id, moreKey(l));
        hidden.push(j);
      }
    }
    nodes.push({ kind: 'more', key: moreKey(l), layer: l, jobs: hidden });
  });

  const seen = new Set<string>();
  const out: [string, string][] = [];
  for (const [p, c] of edges) {
    const from = keyOf.get(p);
    const to = keyOf.get(c);
    if (!from || !to || from === to) continue;
    const k = JSON.stringify([from, to]);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push([from, to]);
  }
  return { nodes, edges: out, wide };
}

/** Jobs counted by status, in a fixed order (the order of a folded node's bar). */
export function statusShares(jobs: readonly GraphJob[]): [string, number][] {
  const order = ['FAILED', 'WAITING_APPROVAL', 'RUNNING', 'COMPLETED', 'CANCELLED', 'PENDING'];
  const counts = new Map<string, number>();
  for (const j of jobs) counts.set(j.status, (counts.get(j.status) ?? 0) + 1);
  const rank = (s: string) => (order.includes(s) ? order.indexOf(s) : order.length);
  return [...counts].sort((a, b) => rank(a[0]) - rank(b[0]) || a[0].localeCompare(b[0]));
}

export interface Point {
  x: number;
  y: number;
}

export interface GraphLayout {
  /** Top-left corner of each node's box. */
  pos: Map<string, Point>;
  edges: { from: string; to: string; points: Point[] }[];
  width: number;
  height: number;
}

export const SPACING = { nodesep: 16, ranksep: 56, pad: 12 };

/** Left to right, one column per rank; the drawing's size covers every box and edge point. */
export function layoutGraph(nodes: readonly { key: string; w: number; h: number }[], edges: readonly [string, string][], spacing = SPACING): GraphLayout {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: spacing.nodesep, ranksep: spacing.ranksep, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) g.setNode(n.key, { width: n.w, height: n.h });
  for (const [a, b] of edges) if (g.hasNode(a) && g.hasNode(b) && a !== b) g.setEdge(a, b);
  dagre.layout(g);

  // dagre's edge points may stray outside the size it reports (a long edge routed round a level), so measure everything.
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  const grow = (x: number, y: number) => ((minX = Math.min(minX, x)), (minY = Math.min(minY, y)), (maxX = Math.max(maxX, x)), (maxY = Math.max(maxY, y)));
  for (const n of nodes) {
    const c = g.node(n.key);
    grow(c.x! - n.w / 2, c.y! - n.h / 2);
    grow(c.x! + n.w / 2, c.y! + n.h / 2);
  }
  const routed = g.edges().map((e) => ({ from: e.v, to: e.w, points: ((g.edge(e) as { points?: Point[] }).points ?? []).map((p) => ({ x: p.x, y: p.y })) }));
  for (const e of routed) for (const p of e.points) grow(p.x, p.y);
  if (!nodes.length) return { pos: new Map(), edges: [], width: spacing.pad * 2, height: spacing.pad * 2 };

  const dx = spacing.pad - minX;
  const dy = spacing.pad - minY;
  const pos = new Map<string, Point>();
  for (const n of nodes) {
    const c = g.node(n.key);
    pos.set(n.key, { x: c.x! - n.w / 2 + dx, y: c.y! - n.h / 2 + dy });
  }
  for (const e of routed) for (const p of e.points) ((p.x += dx), (p.y += dy));
  return { pos, edges: routed, width: Math.ceil(maxX - minX + spacing.pad * 2), height: Math.ceil(maxY - minY + spacing.pad * 2) };
}

const r1 = (v: number) => Math.round(v * 10) / 10;

/**
 * A smooth SVG path through dagre's points (a uniform cubic B-spline, clamped to both ends so it
 * starts and ends exactly on the boxes); two points make a straight line.
 */
export function curvePath(points: readonly Point[]): string {
  if (points.length === 0) return '';
  const at = (p: Point) => `${r1(p.x)},${r1(p.y)}`;
  if (points.length < 3) return `M${at(points[0])}${points.length === 2 ? ` L${at(points[1])}` : ''}`;
  const mix = (a: Point, b: Point, wa: number, wb: number, c?: Point, wc = 0) => {
    const sum = wa + wb + wc;
    return { x: (a.x * wa + b.x * wb + (c ? c.x * wc : 0)) / sum, y: (a.y * wa + b.y * wb + (c ? c.y * wc : 0)) / sum };
  };
  const p = points;
  let d = `M${at(p[0])} L${at(mix(p[0], p[1], 5, 1))}`;
  // Each later point closes one cubic between the two before it.
  for (let i = 2; i <= p.length; i++) {
    const a = p[i - 2];
    const b = p[i - 1];
    const c = i < p.length ? p[i] : b;
    d += ` C${at(mix(a, b, 2, 1))} ${at(mix(a, b, 1, 2))} ${at(mix(a, b, 1, 4, c, 1))}`;
  }
  return `${d} L${at(p[p.length - 1])}`;
}

export const ZOOM = { min: 0.1, max: 2, step: 1.25 };

/** The scale that fits `content` in `view`, within [min, max]. */
export function fitScale(content: { w: number; h: number }, view: { w: number; h: number }, min = ZOOM.min, max = 1): number {
  if (content.w <= 0 || content.h <= 0 || view.w <= 0 || view.h <= 0) return 1;
  return Math.min(max, Math.max(min, Math.min(view.w / content.w, view.h / content.h)));
}

export const clampZoom = (scale: number) => Math.min(ZOOM.max, Math.max(ZOOM.min, scale));

/** Scroll offsets that keep the drawing's point under `pointer` (view coordinates) in place while the scale changes. */
export function scrollAfterZoom(from: number, to: number, pointer: Point, scroll: { left: number; top: number }): { left: number; top: number } {
  const x = (scroll.left + pointer.x) / from;
  const y = (scroll.top + pointer.y) / from;
  return { left: Math.max(0, x * to - pointer.x), top: Math.max(0, y * to - pointer.y) };
}

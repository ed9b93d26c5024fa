import { describe, expect, it } from 'vitest';
import {
  collapseWideLevels,
  curvePath,
  fitScale,
  jobKey,
  layoutGraph,
  moreKey,
  scrollAfterZoom,
  statusShares,
  WIDE_LEVEL,
  type GraphJob,
} from '../../control-plane/src/dashboard/app/graph';
import type { Edge } from '../../control-plane/src/dashboard/app/layout';

const jobs = (ids: string[], status = 'PENDING'): GraphJob[] => ids.map((id) => ({ id, status }));
const BOX = { w: 190, h: 60 };
const laid = (keys: string[], edges: [string, string][]) =>
  layoutGraph(
    keys.map((key) => ({ key, ...BOX })),
    edges,
  );

/** A root, `n` children, and a join after them. */
function fanOut(n: number) {
  const kids = Array.from({ length: n }, (_, i) => `k${String(i).padStart(2, '0')}`);
  const edges: Edge[] = [...kids.map((k) => ['root', k] as const), ...kids.map((k) => [k, 'join'] as const)];
  return { list: jobs(['root', ...kids, 'join']), kids, edges };
}

describe('collapseWideLevels', () => {
  it('leaves a graph with no wide level as it is', () => {
    const { list, edges } = fanOut(WIDE_LEVEL.max);
    const g = collapseWideLevels(list, edges, new Set());
    expect(g.nodes.every((n) => n.kind === 'job')).toBe(true);
    expect(g.nodes).toHaveLength(WIDE_LEVEL.max + 2);
    expect(g.edges).toHaveLength(edges.length);
    expect(g.wide).toEqual([]);
  });

  it('folds a 60-wide level into `keep` jobs and one "+N more" node, edges rerouted once each', () => {
    const { list, edges, kids } = fanOut(60);
    const g = collapseWideLevels(list, edges, new Set());
    const more = g.nodes.find((n) => n.kind === 'more')!;
    expect(more).toMatchObject({ kind: 'more', key: moreKey(1), layer: 1 });
    expect(more.kind === 'more' && more.jobs.length).toBe(60 - WIDE_LEVEL.keep);
    expect(g.nodes.filter((n) => n.kind === 'job').map((n) => n.key)).toEqual([jobKey('root'), ...kids.slice(0, WIDE_LEVEL.keep).map(jobKey), jobKey('join')]);
    expect(g.edges).toContainEqual([jobKey('root'), moreKey(1)]);
    expect(g.edges).toContainEqual([moreKey(1), jobKey('join')]);
    expect(g.edges).toHaveLength(2 * WIDE_LEVEL.keep + 2);
    expect(g.wide).toEqual([1]);
  });

  it('keeps failed and waiting jobs in view when their level folds', () => {
    const { list, edges } = fanOut(30);
    list.find((j) => j.id === 'k27')!.status = 'FAILED';
    list.find((j) => j.id === 'k29')!.status = 'WAITING_APPROVAL';
    const shown = collapseWideLevels(list, edges, new Set())
      .nodes.filter((n) => n.kind === 'job')
      .map((n) => n.key);
    expect(shown).toContain(jobKey('k27'));
    expect(shown).toContain(jobKey('k29'));
    expect(shown).toHaveLength(WIDE_LEVEL.keep + 2);
  });

  it('prefers the children of jobs in view, so parallel chains stay traceable', () => {
    // 20 chains a_i → b_i: both levels fold; the b shown are those whose a is shown.
    const as = Array.from({ length: 20 }, (_, i) => `a${i}`);
    const bs = as.map((a) => `b${a.slice(1)}`);
    const edges: Edge[] = as.map((a, i) => [a, bs[i]] as const);
    // Submission order puts the b's in reverse, so "first in order" alone would pick the wrong ones.
    const g = collapseWideLevels(jobs([...as, ...bs.slice().reverse()]), edges, new Set());
    const shownB = g.nodes.filter((n) => n.kind === 'job' && n.key.startsWith('job:b')).map((n) => n.key.slice(4));
    const shownA = g.nodes.filter((n) => n.kind === 'job' && n.key.startsWith('job:a')).map((n) => n.key.slice(4));
    expect(shownB.map((b) => `a${b.slice(1)}`).sort()).toEqual(shownA.sort());
    expect(g.edges).toContainEqual([moreKey(0), moreKey(1)]);
  });

  it('shows every job of an expanded level', () => {
    const { list, edges } = fanOut(60);
    const g = collapseWideLevels(list, edges, new Set([1]));
    expect(g.nodes.filter((n) => n.kind === 'job')).toHaveLength(62);
    expect(g.nodes.some((n) => n.kind === 'more')).toBe(false);
    expect(g.wide).toEqual([1]);
  });

  it('counts a folded level by status in a fixed order', () => {
    expect(statusShares(jobs(['a', 'b'], 'COMPLETED').concat(jobs(['c'], 'FAILED'), jobs(['d'], 'NEWER'), jobs(['e'], 'RUNNING')))).toEqual([
      ['FAILED', 1],
      ['RUNNING', 1],
      ['COMPLETED', 2],
      ['NEWER', 1],
    ]);
  });
});

describe('layoutGraph', () => {
  it('runs every edge left to right and gives no two boxes overlapping spots', () => {
    const keys = ['A', 'B', 'C', 'D', 'E'];
    const edges: [string, string][] = [['A', 'B'], ['A', 'C'], ['B', 'D'], ['C', 'D'], ['A', 'E']];
    const { pos, width, height } = laid(keys, edges);
    for (const [p, c] of edges) expect(pos.get(c)!.x).toBeGreaterThan(pos.get(p)!.x);
    for (const a of keys)
      for (const b of keys) {
        if (a >= b) continue;
        const pa = pos.get(a)!;
        const pb = pos.get(b)!;
        const apart = Math.abs(pa.x - pb.x) >= BOX.w || Math.abs(pa.y - pb.y) >= BOX.h;
        expect(apart, `${a} and ${b} overlap`).toBe(true);
      }
    for (const k of keys) {
      expect(pos.get(k)!.x).toBeGreaterThanOrEqual(0);
      expect(pos.get(k)!.y + BOX.h).toBeLessThanOrEqual(height);
      expect(pos.get(k)!.x + BOX.w).toBeLessThanOrEqual(width);
    }
  });

  it('keeps every edge point inside the drawing, a long edge included', () => {
    // A→D skips two levels: dagre routes it round B and C, possibly above the boxes.
    const { edges, width, height } = laid(['A', 'B', 'C', 'D'], [['A', 'B'], ['B', 'C'], ['C', 'D'], ['A', 'D']]);
    expect(edges).toHaveLength(4);
    for (const e of edges) for (const p of e.points) expect(p.x >= 0 && p.y >= 0 && p.x <= width && p.y <= height).toBe(true);
  });

  it('orders a level to avoid crossings', () => {
    // Parents P0 and P1; children listed so that input order alone would cross the edges.
    const { pos } = laid(['P0', 'P1', 'c1', 'c0'], [['P0', 'c0'], ['P1', 'c1']]);
    expect(Math.sign(pos.get('c0')!.y - pos.get('c1')!.y)).toBe(Math.sign(pos.get('P0')!.y - pos.get('P1')!.y));
  });

  it('keeps a folded 60-job fan-out short: its height is that of keep+1 boxes, not 60', () => {
    const { list, edges } = fanOut(60);
    const g = collapseWideLevels(list, edges, new Set());
    const { height } = laid(
      g.nodes.map((n) => n.key),
      g.edges,
    );
    expect(height).toBeLessThan((WIDE_LEVEL.keep + 2) * (BOX.h + 16) + 24);
    expect(height).toBeLessThan(1000);
  });

  it('copes with an empty graph and ignores edges to unknown nodes', () => {
    expect(laid([], [])).toMatchObject({ width: 24, height: 24, edges: [] });
    expect(laid(['A'], [['A', 'ghost']]).edges).toEqual([]);
  });

  it('lays out a 300-job DAG quickly', () => {
    const keys = Array.from({ length: 300 }, (_, i) => `n${i}`);
    const edges: [string, string][] = keys.slice(1).map((k, i) => [keys[Math.floor(i / 3)], k]);
    const t = Date.now();
    laid(keys, edges);
    expect(Date.now() - t).toBeLessThan(2000);
  });
});

describe('curvePath and zoom', () => {
  it('draws a line through two points and a smooth curve from the first point to the last through more', () => {
    expect(curvePath([])).toBe('');
    expect(curvePath([{ x: 0, y: 0 }, { x: 10, y: 5 }])).toBe('M0,0 L10,5');
    const d = curvePath([
      { x: 0, y: 0 },
      { x: 60, y: 0 },
      { x: 120, y: 60 },
    ]);
    expect(d.startsWith('M0,0 L10,0 C')).toBe(true);
    expect(d.endsWith('L120,60')).toBe(true);
    expect(d.match(/C/g)).toHaveLength(2);
  });

  it('fits a drawing into a view within bounds', () => {
    expect(fitScale({ w: 400, h: 300 }, { w: 800, h: 600 })).toBe(1);
    expect(fitScale({ w: 2000, h: 500 }, { w: 1000, h: 600 })).toBe(0.5);
    expect(fitScale({ w: 20_000, h: 500 }, { w: 1000, h: 600 }, 0.2)).toBe(0.2);
    expect(fitScale({ w: 200, h: 4700 }, { w: 1000, h: 600 })).toBeCloseTo(600 / 4700);
    expect(fitScale({ w: 0, h: 0 }, { w: 1000, h: 600 })).toBe(1);
  });

  it('keeps the point under the pointer in place while zooming', () => {
    const pointer = { x: 100, y: 50 };
    const scroll = { left: 300, top: 200 };
    const after = scrollAfterZoom(1, 2, pointer, scroll);
    // The drawing point (400, 250) sat under the pointer; at 2× it is at (800, 500), still under it.
    expect(after).toEqual({ left: 700, top: 450 });
    expect(scrollAfterZoom(1, 0.5, { x: 0, y: 0 }, { left: 10, top: 10 })).toEqual({ left: 5, top: 5 });
  });
});

/**
 * The Cluster page's live charts, as pure functions: a rolling series of the stats the page
 * polls, what each chart plots from it, and the charts as SVG markup. Plain SVG rather than a
 * chart library: three small charts of a few hundred points need no more, SVG keeps its geometry
 * in attributes (the CSP allows no inline styles), takes its colours from the stylesheet (dark
 * mode included), and the browser tests can read each point and bar. No DOM here.
 */
import type { StatsResponse } from '../../contract/stats';
import { html, type Html } from './html';
import { offsetLabel, tickStep } from './timeAxis';

/** One poll of the stats, reduced to what the charts plot. */
export interface StatsSample {
  t: number;
  queued: number;
  running: number;
  /** Jobs in COMPLETED and in DEAD (failed for good) at that moment. */
  completed: number;
  failed: number;
  agents: { id: string; name: string; running: number; slots: number }[];
}

export const SERIES_WINDOW_MS = 10 * 60_000;
/** Samples further apart than this leave a gap in a line (the page was away or offline). */
export const GAP_MS = 5000;
export const THROUGHPUT_BUCKET_MS = 10_000;
/** The charts' time axis is never shorter than this, so the first seconds do not fill the whole width. */
export const MIN_SPAN_MS = 60_000;

export function sampleOf(s: Pick<StatsResponse, 'queueDepth' | 'counts' | 'agents'>, t: number): StatsSample {
  return {
    t,
    queued: s.queueDepth,
    running: s.counts.RUNNING ?? 0,
    completed: s.counts.COMPLETED ?? 0,
    failed: s.counts.DEAD ?? 0,
    agents: s.agents.map((a) => ({ id: a.id, name: a.name, running: a.running, slots: a.slots })),
  };
}

/** The series with one more sample, keeping only the last `windowMs`; a sample not newer than the last is ignored. */
export function appendSample(series: readonly StatsSample[], sample: StatsSample, windowMs = SERIES_WINDOW_MS): StatsSample[] {
  if (series.length && sample.t <= series[series.length - 1].t) return [...series];
  return [...series.filter((s) => s.t > sample.t - windowMs), sample];
}

export interface Point {
  t: number;
  v: number;
}
export interface ThroughputBucket {
  /** The bucket's start. */
  t: number;
  completed: number;
  failed: number;
}

/**
 * Jobs finished per bucket: the rise in COMPLETED (and DEAD) counts between consecutive samples,
 * credited to the later sample's bucket. A fall (retention removing old jobs, a retry taking a
 * job out of COMPLETED) is not negative throughput, so only rises count; pairs across a gap count
 * nothing, as what happened then was not seen.
 */
export function throughput(series: readonly StatsSample[], bucketMs = THROUGHPUT_BUCKET_MS, gapMs = GAP_MS): ThroughputBucket[] {
  if (!series.length) return [];
  const first = Math.floor(series[0].t / bucketMs);
  const last = Math.floor(series[series.length - 1].t / bucketMs);
  const buckets = Array.from({ length: last - first + 1 }, (_, i) => ({ t: (first + i) * bucketMs, completed: 0, failed: 0 }));
  for (let i = 1; i < series.length; i++) {
    const [a, b] = [series[i - 1], series[i]];
    if (b.t - a.t > gapMs) continue;
    const bucket = buckets[Math.floor(b.t / bucketMs) - first];
    bucket.completed += Math.max(0, b.completed - a.completed);
    bucket.failed += Math.max(0, b.failed - a.failed);
  }
  return buckets;
}

export interface AgentUse {
  id: string;
  name: string;
  /** Percent of its slots running, per sample it appeared in. */
  points: Point[];
}

/** Each agent's running/slots over time (percent), by name; plus the whole cluster's, summed over agents. */
export function utilisation(series: readonly StatsSample[]): { agents: AgentUse[]; cluster: Point[] } {
  const byId = new Map<string, AgentUse>();
  const cluster: Point[] = [];
  const pct = (running: number, slots: number) => (slots > 0 ? Math.min(100, (100 * running) / slots) : 0);
  for (const s of series) {
    for (const a of s.agents) {
      const use = byId.get(a.id) ?? { id: a.id, name: a.name, points: [] };
      use.name = a.name;
      use.points.push({ t: s.t, v: pct(a.running, a.slots) });
      byId.set(a.id, use);
    }
    cluster.push({ t: s.t, v: pct(sum(s.agents.map((a) => a.running)), sum(s.agents.map((a) => a.slots))) });
  }
  return { agents: [...byId.values()].sort((x, y) => x.name.localeCompare(y.name) || x.id.localeCompare(y.id)), cluster };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Where the charts' time axis starts: at the first sample (the page opening), within [MIN_SPAN_MS, the window] before now. */
export function chartStart(series: readonly StatsSample[], now: number, windowMs = SERIES_WINDOW_MS): number {
  const first = series.length ? series[0].t : now;
  return Math.max(now - windowMs, Math.min(first, now - MIN_SPAN_MS));
}

/** The smallest of 1, 2, 5, 10, 20, 50, … at or above `v` (at least 1), for a y axis. */
export function niceCeil(v: number): number {
  if (!(v > 1)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((m) => m * p).find((n) => n >= v)!;
}

export interface Frame {
  t0: number;
  t1: number;
  yMax: number;
  width: number;
  height: number;
}
export const CHART_PAD = { left: 40, right: 10, top: 10, bottom: 22 };
const CHART_HEIGHT = 150;

/** Scales from time and value to pixels inside the frame's plot area. */
export function scales(f: Frame) {
  const w = Math.max(1, f.width - CHART_PAD.left - CHART_PAD.right);
  const h = Math.max(1, f.height - CHART_PAD.top - CHART_PAD.bottom);
  const span = Math.max(1, f.t1 - f.t0);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    x: (t: number) => round(CHART_PAD.left + ((t - f.t0) / span) * w),
    y: (v: number) => round(CHART_PAD.top + h - (Math.min(v, f.yMax) / f.yMax) * h),
  };
}

/** An SVG path through the points; a gap longer than `gapMs` starts a new piece instead of a long straight line. */
export function linePath(points: readonly Point[], f: Frame, gapMs = GAP_MS): string {
  const { x, y } = scales(f);
  return points.map((p, i) => `${i === 0 || p.t - points[i - 1].t > gapMs ? 'M' : 'L'}${x(p.t)},${y(p.v)}`).join(' ');
}

/** The frame's axes: value gridlines (0, half where it is a whole number, max) and time marks back from now. */
function axes(f: Frame, unit: string): Html {
  const { x, y } = scales(f);
  const values = Number.isInteger(f.yMax / 2) ? [0, f.yMax / 2, f.yMax] : [0, f.yMax];
  const step = tickStep(f.t1 - f.t0, Math.floor((f.width - CHART_PAD.left) / 70));
  const marks: number[] = [];
  for (let back = 0; f.t1 - back >= f.t0; back += step) marks.push(back);
  return html`${values.map(
    (v) => html`<line class="ch-grid" x1="${CHART_PAD.left}" x2="${f.width - CHART_PAD.right}" y1="${y(v)}" y2="${y(v)}"/><text class="ch-label ch-y" x="${CHART_PAD.left - 4}" y="${y(v) + 4}">${Math.round(v * 10) / 10}${unit}</text>`,
  )}${marks.map((back) => html`<text class="ch-label ch-x" x="${x(f.t1 - back)}" y="${f.height - 6}">${back ? `-${offsetLabel(back)}` : 'now'}</text>`)}`;
}

export interface LineSeries {
  name: string;
  /** A palette class (`ch-c0`…) or a named one (`ch-queued`). */
  cls: string;
  points: Point[];
}

const svgOpen = (id: string, f: Frame, label: string) =>
  html`<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${id}" width="${f.width}" height="${f.height}" viewBox="0 0 ${f.width} ${f.height}" role="img" aria-label="${label}">`;

/** A line chart from `from` to `now`; each line carries its latest value (for the tests and the legend). */
export function lineChart(id: string, label: string, series: readonly LineSeries[], opts: { from: number; now: number; width: number; yMax?: number; unit?: string }): Html {
  const f: Frame = {
    t0: opts.from,
    t1: opts.now,
    yMax: opts.yMax ?? niceCeil(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p.v)))),
    width: opts.width,
    height: CHART_HEIGHT,
  };
  return html`${svgOpen(id, f, label)}${axes(f, opts.unit ?? '')}${series.map(
    (s) => html`<path class="ch-line ${s.cls}" data-series="${s.name}" data-last="${s.points.at(-1)?.v ?? ''}" d="${linePath(s.points, f)}"><title>${s.name}</title></path>`,
  )}</svg>`;
}

/** Stacked bars per bucket: completed below, failed on top; empty buckets draw nothing. */
export function throughputChart(buckets: readonly ThroughputBucket[], opts: { from: number; now: number; width: number; bucketMs?: number }): Html {
  const bucketMs = opts.bucketMs ?? THROUGHPUT_BUCKET_MS;
  const f: Frame = {
    t0: opts.from,
    t1: opts.now,
    yMax: niceCeil(Math.max(0, ...buckets.map((b) => b.completed + b.failed))),
    width: opts.width,
    height: CHART_HEIGHT,
  };
  const { x, y } = scales(f);
  const bars = buckets
    .filter((b) => b.completed + b.failed > 0 && b.t + bucketMs > f.t0)
    .map((b) => {
      const left = x(Math.max(b.t, f.t0));
      const w = Math.max(1, x(Math.min(b.t + bucketMs, f.t1)) - left - 1);
      const done = y(b.completed);
      const top = y(b.completed + b.failed);
      return html`<g class="ch-bar" data-t="${b.t}" data-completed="${b.completed}" data-failed="${b.failed}"><title>${b.completed} completed, ${b.failed} failed</title>${
        b.completed > 0 && html`<rect class="ch-completed" x="${left}" y="${done}" width="${w}" height="${y(0) - done}"/>`
      }${b.failed > 0 && html`<rect class="ch-failed" x="${left}" y="${top}" width="${w}" height="${done - top}"/>`}</g>`;
    });
  return html`${svgOpen('throughput', f, 'Jobs finished per interval')}${axes(f, '')}${bars}</svg>`;
}

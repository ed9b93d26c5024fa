/**
 * The run timeline (Gantt) of a DAG, as pure functions: each job's waiting, queued and running
 * spans on one time axis, laid out in rows for a given width, and drawn as SVG markup. SVG
 * because its geometry lives in attributes: the CSP forbids inline styles, so HTML bars could not
 * be positioned. No DOM here, so it is unit-tested in plain Node.
 */
import { TERMINAL_STATES, type JobState, type JobView } from '../../contract/jobs';
import { jobHref } from './format';
import { html, type Html } from './html';
import { formatDuration } from './layout';
import { offsetLabel, tickStep } from './timeAxis';

/** What the timeline reads of a job. */
export type TimedJob = Pick<JobView, 'id' | 'node' | 'status' | 'state' | 'createdAt' | 'queuedAt' | 'startedAt' | 'finishedAt'>;

/**
 * - `waiting`: submitted, held back by its parents or its delay (not in the queue yet)
 * - `queued`: in the queue, waiting for an agent
 * - `running`: its current attempt, to its end (or to now while it runs)
 * - `earlier`: an earlier attempt, known only to have started before the job queued again
 */
export type SpanKind = 'waiting' | 'queued' | 'earlier' | 'running';
export interface Span {
  kind: SpanKind;
  from: number;
  to: number;
}

const isLive = (state: JobState) => !TERMINAL_STATES.includes(state);

/**
 * One job's spans, in time order. A job still in progress extends to `now`; one in retry backoff
 * (FAILED, not yet queued again) keeps its failed attempt open until the retry, as the API does
 * not say when that attempt ended.
 */
export function jobSpans(j: TimedJob, now: number): Span[] {
  const end = j.finishedAt ?? (isLive(j.state) ? now : Math.max(j.createdAt, j.queuedAt ?? 0, j.startedAt ?? 0));
  const spans: Span[] = [];
  const add = (kind: SpanKind, from: number, to: number) => {
    if (to > from) spans.push({ kind, from, to });
  };
  let started = j.startedAt;
  if (j.queuedAt === null) {
    // Never queued, or a record from before queuedAt: the time before its start counts as queued.
    if (started === null) add('waiting', j.createdAt, end);
    else add('queued', j.createdAt, started);
  } else {
    if (started !== null && started < j.queuedAt) {
      // It queued again after this start (a retry or a lost lease): that start was an earlier attempt.
      add('waiting', j.createdAt, started);
      add('earlier', started, j.queuedAt);
      started = null;
    } else {
      add('waiting', j.createdAt, j.queuedAt);
    }
    add('queued', j.queuedAt, started ?? end);
  }
  if (started !== null) add('running', started, Math.max(started, end));
  return spans;
}

/** `tail` leaves room after the plot for the last row's total. */
export const TIMELINE_BOX = { label: 250, rowH: 24, barH: 14, axisH: 24, pad: 12, tail: 56 };

export interface TimelineSegment extends Span {
  x: number;
  w: number;
}
export interface TimelineRow {
  job: TimedJob;
  y: number;
  segments: TimelineSegment[];
  /** Where a finished job ended (a short mark), null while it is in progress. */
  endX: number | null;
  /** Its time from entering the queue to its end (or to now), as text; empty if it never entered it. */
  total: string;
}
export interface TimelineLayout {
  rows: TimelineRow[];
  ticks: { x: number; label: string }[];
  /** The line at `now` while anything is in progress. */
  nowX: number | null;
  width: number;
  height: number;
}

/** The earliest time a job counts as active (queued or started); jobs never active sort last. */
const activeFrom = (j: TimedJob) => Math.min(j.queuedAt ?? Infinity, j.startedAt ?? Infinity);

/**
 * Rows in the order jobs became active, then started (ties keep the input order), spans scaled to
 * `width` after a label column; the axis runs from the first submission to the last end, or to
 * `now` while anything is in progress.
 */
export function timelineLayout(jobs: readonly TimedJob[], now: number, width: number, box = TIMELINE_BOX): TimelineLayout {
  if (!jobs.length) return { rows: [], ticks: [], nowX: null, width, height: box.axisH + box.pad };
  const started = (j: TimedJob) => j.startedAt ?? Infinity;
  const order = jobs
    .map((job, i) => ({ job, i }))
    .sort((a, b) => activeFrom(a.job) - activeFrom(b.job) || started(a.job) - started(b.job) || a.i - b.i);
  const spans = new Map(jobs.map((j) => [j, jobSpans(j, now)]));
  const live = jobs.some((j) => isLive(j.state));
  const t0 = Math.min(...jobs.map((j) => j.createdAt));
  const ends = jobs.flatMap((j) => [j.createdAt, ...spans.get(j)!.map((s) => s.to)]);
  const t1 = Math.max(...ends, live ? now : -Infinity);
  const span = Math.max(1000, t1 - t0);
  const plotW = Math.max(100, width - box.label - box.pad - box.tail);
  const x = (t: number) => box.label + box.pad + ((t - t0) / span) * plotW;

  const step = tickStep(span, Math.floor(plotW / 70));
  const ticks: TimelineLayout['ticks'] = [];
  for (let t = 0; t <= span; t += step) ticks.push({ x: x(t0 + t), label: offsetLabel(t) });

  const rows = order.map(({ job }, i): TimelineRow => {
    const own = spans.get(job)!;
    const segments = own.map((s) => {
      const from = x(s.from);
      // A run of a few milliseconds still shows; the other kinds may vanish when tiny.
      const w = Math.max(s.kind === 'running' ? 2 : 0, x(s.to) - from);
      return { ...s, x: from, w };
    });
    const first = own.find((s) => s.kind !== 'waiting');
    const last = own[own.length - 1];
    return {
      job,
      y: box.axisH + i * box.rowH,
      segments,
      endX: !isLive(job.state) && job.finishedAt !== null ? x(job.finishedAt) : null,
      total: first && last ? formatDuration(last.to - first.from) : '',
    };
  });
  return { rows, ticks, nowX: live && jobs.length ? x(now) : null, width: box.label + box.pad + plotW + box.tail, height: box.axisH + rows.length * box.rowH + box.pad };
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** How each span reads in a row's tooltip. */
const SPAN_WORDS: Record<SpanKind, string> = { waiting: 'waited for parents', queued: 'queued', earlier: 'earlier attempt', running: 'ran' };

function rowTitle(r: TimelineRow): string {
  const parts = r.segments.map((s) => `${SPAN_WORDS[s.kind]} ${formatDuration(s.to - s.from)}`);
  return `${r.job.id} on ${r.job.node ?? 'no agent yet'} — ${r.job.status}${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

/** The layout as SVG: axis ticks, then one linked row per job (its id and agent, its spans, its total). */
export function timelineSvg(l: TimelineLayout, box = TIMELINE_BOX): Html {
  const mid = (y: number) => y + box.rowH / 2;
  const barY = (y: number) => mid(y) - box.barH / 2;
  const ticks = l.ticks.map(
    (t) => html`<line class="tl-grid" x1="${t.x}" x2="${t.x}" y1="${box.axisH - 6}" y2="${l.height - box.pad}"/><text class="tl-tick" x="${t.x}" y="${box.axisH - 10}">${t.label}</text>`,
  );
  const rows = l.rows.map((r, i) => {
    const last = r.segments[r.segments.length - 1];
    const after = last ? last.x + last.w + 6 : box.label + box.pad;
    return html`<a href="${jobHref(r.job.id)}"><g class="tl-row${i % 2 ? ' odd' : ''}" data-tl-job="${r.job.id}" data-status="${r.job.status}" data-node="${r.job.node ?? ''}">
        <title>${rowTitle(r)}</title>
        <rect class="tl-band" x="0" y="${r.y}" width="${l.width}" height="${box.rowH}"/>
        <text class="tl-id" x="6" y="${mid(r.y) + 4}">${clip(r.job.id, 22)}</text>
        <text class="tl-node" text-anchor="end" x="${box.label - 4}" y="${mid(r.y) + 4}">${clip(r.job.node ?? '–', 14)}</text>
        ${r.segments.map(
          (s) =>
            html`<rect class="tl-seg tl-${s.kind}${s.kind === 'running' ? ` tl-st-${r.job.status}` : ''}" data-kind="${s.kind}" x="${s.x}" y="${s.kind === 'waiting' ? mid(r.y) - 1 : barY(r.y)}" width="${s.w}" height="${s.kind === 'waiting' ? 2 : box.barH}" rx="2"/>`,
        )}
        ${r.endX !== null && html`<line class="tl-end" x1="${r.endX}" x2="${r.endX}" y1="${barY(r.y) - 2}" y2="${barY(r.y) + box.barH + 2}"/>`}
        ${after < l.width - 30 && html`<text class="tl-total" x="${after}" y="${mid(r.y) + 4}">${r.total}</text>`}</g></a>`;
  });
  return html`<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="${l.width}" height="${l.height}" viewBox="0 0 ${l.width} ${l.height}" role="img" aria-label="Run timeline">
      ${ticks}${rows}${l.nowX !== null && html`<line class="tl-now" x1="${l.nowX}" x2="${l.nowX}" y1="${box.axisH - 6}" y2="${l.height - box.pad}"/>`}</svg>`;
}

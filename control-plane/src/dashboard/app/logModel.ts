/**
 * The job log as the page holds it, pure: lines turned into rows (ANSI parsed once, numbered per
 * run), search over their text, the window of rows a scroll position shows, and the whole log
 * as a downloadable text file read page by page. The DOM shell is `views/jobLog.ts`.
 */
import type { LogLine } from '../../contract/logs';
import { parseAnsi, PLAIN, type AnsiSegment, type AnsiStyle } from './ansi';

export interface LogRow {
  /** Line number within its run (1-based); null for the page's own notes (run separators). */
  n: number | null;
  ts: number | null;
  stream: string;
  segments: AnsiSegment[];
  /** What a reader sees, escapes gone: searched, and copied. */
  text: string;
}

/**
 * Rows of one run as lines arrive. Colour state carries from line to line per stream, as it
 * would in a terminal (a program may set red and print several lines before resetting).
 */
export function createRowMaker(): { rows(lines: readonly Pick<LogLine, 'ts' | 'stream' | 'text'>[]): LogRow[]; note(text: string): LogRow } {
  const styles = new Map<string, AnsiStyle>();
  let n = 0;
  return {
    rows: (lines) =>
      lines.map((l) => {
        const { segments, end } = parseAnsi(l.text, styles.get(l.stream) ?? PLAIN);
        styles.set(l.stream, end);
        return { n: ++n, ts: l.ts, stream: l.stream, segments, text: segments.map((s) => s.text).join('') };
      }),
    note: (text) => ({ n: null, ts: null, stream: 'system', segments: [{ text, style: PLAIN }], text }),
  };
}

export interface Match {
  row: number;
  start: number;
  end: number;
}

/** Past this many matches the search stops counting: enough to step through, bounded in memory. */
export const MAX_MATCHES = 10_000;

/** Case-insensitive occurrences of `query` in `texts`, row numbers offset by `firstRow`. */
export function findMatches(texts: readonly string[], query: string, firstRow = 0, max = MAX_MATCHES): Match[] {
  if (!query) return [];
  const re = new RegExp(query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'giu');
  const out: Match[] = [];
  for (let i = 0; i < texts.length && out.length < max; i++) {
    for (const m of texts[i].matchAll(re)) {
      out.push({ row: firstRow + i, start: m.index, end: m.index + m[0].length });
      if (out.length >= max) break;
    }
  }
  return out;
}

/** The next (dir 1) or previous (dir -1) match, wrapping round; -1 when there is none. */
export function stepMatch(current: number, count: number, dir: 1 | -1): number {
  if (count === 0) return -1;
  if (current < 0) return dir === 1 ? 0 : count - 1;
  return (current + dir + count) % count;
}

/** The first match at or after `row` (where the reader is looking), else the first one; -1 when none. */
export function matchFrom(matches: readonly Match[], row: number): number {
  if (!matches.length) return -1;
  const i = matches.findIndex((m) => m.row >= row);
  return i < 0 ? 0 : i;
}

/** `3 / 17`, `0 matches`, `1 / 10000+`; empty while nothing is searched. */
export function matchLabel(query: string, current: number, count: number, max = MAX_MATCHES): string {
  if (!query) return '';
  if (count === 0) return 'no matches';
  return `${current + 1} / ${count}${count >= max ? '+' : ''}`;
}

export interface Piece {
  text: string;
  style: AnsiStyle;
  /** A search hit, and whether it is the one stepped to. */
  mark: 'hit' | 'current' | null;
}

/** A row's segments cut at the edges of its matches, so hits can be wrapped in `<mark>` without losing colour. */
export function markSegments(segments: readonly AnsiSegment[], ranges: readonly { start: number; end: number; current: boolean }[]): Piece[] {
  const out: Piece[] = [];
  let offset = 0;
  for (const seg of segments) {
    const segEnd = offset + seg.text.length;
    let at = offset;
    for (const r of ranges) {
      if (r.end <= at || r.start >= segEnd) continue;
      const from = Math.max(r.start, at);
      const to = Math.min(r.end, segEnd);
      if (from > at) out.push({ text: seg.text.slice(at - offset, from - offset), style: seg.style, mark: null });
      out.push({ text: seg.text.slice(from - offset, to - offset), style: seg.style, mark: r.current ? 'current' : 'hit' });
      at = to;
    }
    if (at < segEnd) out.push({ text: seg.text.slice(at - offset), style: seg.style, mark: null });
    offset = segEnd;
  }
  return out;
}

/** The rows to draw for a scroll position: those in view plus `overscan` either side, clipped to the log. */
export function visibleWindow(scrollTop: number, viewHeight: number, rowHeight: number, total: number, overscan = 20): { start: number; end: number } {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const last = Math.ceil((Math.max(0, scrollTop) + viewHeight) / rowHeight);
  return { start: Math.max(0, Math.min(total, first - overscan)), end: Math.min(total, last + overscan) };
}

/** The scroll position that shows `row` a third of the way down the view (context above it). */
export function scrollTopFor(row: number, rowHeight: number, viewHeight: number): number {
  return Math.max(0, row * rowHeight - Math.floor(viewHeight / 3));
}

/** `14:03:07.250` in the reader's time zone: the gutter's timestamp. */
export function logClock(ts: number): string {
  const d = new Date(ts);
  const p = (v: number, w = 2) => String(v).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export interface RunLog {
  run: number;
  lines: LogLine[];
  /** Some older lines could not be read back (a lost chunk). */
  truncated: boolean;
}

/** One page of a run's log, as `GET /v1/jobs/{id}/logs` answers it. */
export type LogPageReader = (run: number, after: number, limit: number) => Promise<{ lines: LogLine[]; next: number; truncated: boolean }>;

/**
 * Every line of runs 1…`runs`, page by page: a page shorter than asked is the run's last.
 * `progress` hears the running count of lines, for a long download.
 */
export async function readWholeLog(read: LogPageReader, runs: number, pageSize = 10_000, progress: (lines: number) => void = () => {}): Promise<RunLog[]> {
  const out: RunLog[] = [];
  let count = 0;
  for (let run = 1; run <= runs; run++) {
    const log: RunLog = { run, lines: [], truncated: false };
    for (let after = 0; ; ) {
      const page = await read(run, after, pageSize);
      log.lines.push(...page.lines);
      log.truncated ||= page.truncated;
      count += page.lines.length;
      progress(count);
      if (page.lines.length < pageSize || page.next <= after) break;
      after = page.next;
    }
    out.push(log);
  }
  return out;
}

/**
 * The downloaded file: a header per run, then each line as `ISO-time [stream] text`. The text is
 * kept as the job wrote it, colour escapes included (`less -R` shows them).
 */
export function logFileText(jobId: string, runs: readonly RunLog[]): string {
  const parts: string[] = [];
  for (const r of runs) {
    parts.push(`==== ${jobId} · run ${r.run} · ${r.lines.length} lines${r.truncated ? ' · some older lines were lost' : ''} ====\n`);
    for (const l of r.lines) parts.push(`${new Date(l.ts).toISOString()} ${l.stream === 'stdout' ? '' : `[${l.stream}] `}${l.text}\n`);
  }
  return parts.join('');
}

/** A file name from a job id: anything outside `[A-Za-z0-9._-]` becomes `_`. */
export function logFileName(jobId: string): string {
  return `${jobId.replace(/[^A-Za-z0-9._-]/g, '_') || 'job'}.log`;
}

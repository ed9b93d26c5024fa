/**
 * What `titan submit --wait` (and `titan up --demo`) show while jobs run: pure functions of the
 * jobs' statuses and views, the time and the terminal's width. `progress.ts` only polls and prints.
 * Lines are built from styled segments and cut to the width before any colour is added, so a
 * line never wraps (a wrapped line would break the in-place redraw) and NO_COLOR only drops styles.
 */
import type { JobView } from '../control-plane/src/contract/jobs';
import { shortDuration } from './commands/listViews';

export type JobFacts = Pick<JobView, 'id' | 'status' | 'node' | 'startedAt' | 'finishedAt' | 'exitCode'>;
type Style = 'green' | 'red' | 'yellow' | 'cyan' | 'dim' | 'bold';
type Segment = readonly [text: string, style?: Style];
type Line = readonly Segment[];

const MARK: Record<string, string> = { PENDING: '·', RUNNING: '▶', COMPLETED: '✔', FAILED: '✘', CANCELLED: '⊘', WAITING_APPROVAL: '?' };
const STYLE: Record<string, Style> = { RUNNING: 'cyan', COMPLETED: 'green', FAILED: 'red', CANCELLED: 'yellow', WAITING_APPROVAL: 'yellow' };
/** Live work first, then how things ended: the order of the counts line. */
const ORDER = ['RUNNING', 'WAITING_APPROVAL', 'PENDING', 'COMPLETED', 'FAILED', 'CANCELLED'];
const SGR: Record<Style, string> = { green: '32', red: '31', yellow: '33', cyan: '36', dim: '2', bold: '1' };
/** Running jobs listed by name; the rest are counted in one line, so the region stays short. */
export const MAX_RUNNING_ROWS = 8;
const BAR_MAX = 30;
const BAR_MIN = 8;

export interface RenderOptions {
  /** When following began (local clock): the elapsed time counts from it. */
  since: number;
  color: boolean;
}

/** One summary line of a set of job statuses (the plain, line-by-line display). */
export function summarize(statuses: Record<string, string>): string {
  const counts: Record<string, number> = {};
  for (const s of Object.values(statuses)) counts[s] = (counts[s] ?? 0) + 1;
  return Object.entries(counts)
    .sort()
    .map(([s, n]) => `${MARK[s] ?? ''}${s.toLowerCase()} ${n}`)
    .join('  ');
}

/** The plain display's line for a job whose status changed. */
export function changeLine(id: string, status: string, job: JobFacts | null): string {
  const dur = job?.startedAt && job.finishedAt ? ` (${((job.finishedAt - job.startedAt) / 1000).toFixed(2)} s)` : '';
  return `  ${MARK[status] ?? ' '} ${id}  ${status}${dur}`;
}

const ended = (s: string) => s === 'COMPLETED' || s === 'FAILED' || s === 'CANCELLED' || s === 'UNKNOWN';

/**
 * The live region, redrawn in place: a bar of ended/total with the elapsed time, the counts by
 * status, and the jobs running now with their agent and how long they have run.
 */
export function renderProgress(statuses: Record<string, string>, jobs: readonly JobFacts[], now: number, width: number, o: RenderOptions): string[] {
  const ids = Object.keys(statuses);
  const done = ids.filter((id) => ended(statuses[id])).length;
  const head = ` ${done}/${ids.length} ended · ${shortDuration(now - o.since)}`;
  const barWidth = Math.min(BAR_MAX, width - head.length - 1);
  const top: Segment[] = barWidth >= BAR_MIN ? [...bar(done, ids.length, barWidth, statuses), [head]] : [[head.trimStart()]];

  const lines: Line[] = [top, countsLine(statuses)];
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const running = ids.filter((id) => statuses[id] === 'RUNNING');
  const shown = running.slice(0, MAX_RUNNING_ROWS);
  const idWidth = Math.max(0, ...shown.map((id) => id.length));
  for (const id of shown) {
    const j = byId.get(id);
    const ran = j?.startedAt ? shortDuration(now - j.startedAt) : '';
    lines.push([['  ▶ ', 'cyan'], [id.padEnd(idWidth)], ['  on ', 'dim'], [j?.node ?? '?'], [ran ? `  ${ran}` : '', 'dim']]);
  }
  if (running.length > shown.length) lines.push([[`  … ${running.length - shown.length} more running`, 'dim']]);
  return lines.map((l) => paint(fit(l, width), o.color));
}

/** Filled in the colour of how things are going: red once anything failed. */
function bar(done: number, total: number, width: number, statuses: Record<string, string>): Segment[] {
  const full = total ? Math.round((done / total) * width) : 0;
  const bad = Object.values(statuses).some((s) => s === 'FAILED' || s === 'CANCELLED');
  return [['█'.repeat(full), bad ? 'red' : 'green'], ['░'.repeat(width - full), 'dim']];
}

function countsLine(statuses: Record<string, string>): Line {
  const counts = new Map<string, number>();
  for (const s of Object.values(statuses)) counts.set(s, (counts.get(s) ?? 0) + 1);
  const known = [...ORDER, ...[...counts.keys()].filter((s) => !ORDER.includes(s)).sort()];
  const out: Segment[] = [];
  for (const s of known) {
    const n = counts.get(s);
    if (!n) continue;
    out.push([out.length ? '  ' : ''], [`${MARK[s] ?? '•'} ${n} ${s.toLowerCase()}`, STYLE[s]]);
  }
  return out;
}

/**
 * A line printed once, above the live region, when a job ends badly, so failures stay on screen
 * after the region is redrawn (completions are only counted).
 */
export function endedLine(id: string, status: string, job: JobFacts | null, color: boolean, width: number): string | null {
  if (status !== 'FAILED' && status !== 'CANCELLED' && status !== 'UNKNOWN') return null;
  const facts = [job?.exitCode !== null && job?.exitCode !== undefined ? `exit ${job.exitCode}` : '', job?.node ? `on ${job.node}` : ''].filter(Boolean).join(', ');
  return paint(fit([[`${MARK[status] ?? '?'} ${id}  ${status}`, STYLE[status] ?? 'red'], [facts ? `  (${facts})` : '', 'dim']], width), color);
}

/** The last line, on a terminal or not: how it ended, which jobs did not complete, how long it took. */
export function finalSummary(statuses: Record<string, string>, now: number, o: RenderOptions): string {
  const ids = Object.keys(statuses);
  const took = now - o.since;
  const time = took < 60_000 ? `${(took / 1000).toFixed(1)} s` : shortDuration(took);
  const completed = ids.filter((id) => statuses[id] === 'COMPLETED').length;
  if (completed === ids.length) return paint([[`✔ all ${ids.length} job${ids.length === 1 ? '' : 's'} completed`, 'green'], [` in ${time}`]], o.color);
  const which = (s: string) => ids.filter((id) => statuses[id] === s);
  const bad = ['FAILED', 'CANCELLED', 'UNKNOWN']
    .map((s) => [s, which(s)] as const)
    .filter(([, list]) => list.length)
    .map(([s, list]) => `${s.toLowerCase()}: ${list.slice(0, 5).join(', ')}${list.length > 5 ? `, … (${list.length})` : ''}`);
  return paint([[`✘ ${completed} of ${ids.length} jobs completed`, 'red'], [` in ${time}`], [bad.length ? `; ${bad.join('; ')}` : '']], o.color);
}

/** Cut a line to `width` columns (one per character here), ending in `…` when cut. */
function fit(line: Line, width: number): Line {
  const room = Math.max(1, width - 1); // the last column stays free: some terminals wrap on it
  const out: Segment[] = [];
  let used = 0;
  for (const [text, style] of line) {
    const chars = [...text];
    if (used + chars.length <= room) {
      out.push([text, style]);
      used += chars.length;
      continue;
    }
    out.push([chars.slice(0, Math.max(0, room - used - 1)).join('') + '…', style]);
    break;
  }
  return out;
}

function paint(line: Line, color: boolean): string {
  return line.map(([text, style]) => (color && style && text ? `\x1b[${SGR[style]}m${text}\x1b[0m` : text)).join('');
}

/**
 * The chaos suite's one table. Each case records what it did (faults injected, jobs checked,
 * executions counted, inputs fuzzed, lines checked, lost and duplicated); the suite's global
 * teardown prints every row and the totals. Lost and duplicated must be 0.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ChaosRow {
  /** What was broken and how, in a few words. */
  case: string;
  faults: number;
  jobs: number;
  executions: number;
  inputs: number;
  lines: number;
  lost: number;
  duplicated: number;
  /** Anything else worth a figure (p99 latency, peak RSS, …). */
  notes?: string;
}

const BASE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'test-results', 'chaos');
/** Rows of this run only: the suite's global setup names a fresh folder (workers inherit it). */
const dir = () => process.env.TITAN_CHAOS_ROWS ?? path.join(BASE, 'adhoc');

/** Record one row (one file per row, so parallel cases never clash). */
export function record(row: Partial<ChaosRow> & { case: string }): void {
  const full: ChaosRow = { faults: 0, jobs: 0, executions: 0, inputs: 0, lines: 0, lost: 0, duplicated: 0, ...row };
  fs.mkdirSync(dir(), { recursive: true });
  fs.writeFileSync(path.join(dir(), `${Date.now()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}.json`), JSON.stringify(full));
}

/** Start a run: a fresh folder for its rows, named in the environment the test workers inherit. */
export function startRun(): string {
  const d = path.join(BASE, `run-${process.pid}-${Date.now()}`);
  fs.mkdirSync(d, { recursive: true });
  process.env.TITAN_CHAOS_ROWS = d;
  return d;
}

export function readRows(d = dir()): ChaosRow[] {
  if (!fs.existsSync(d)) return [];
  return fs
    .readdirSync(d)
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(d, f), 'utf8')) as ChaosRow);
}

/** The table as text: one row per case, then the totals. */
export function formatTable(rows: readonly ChaosRow[]): string {
  const cols = ['faults', 'jobs', 'executions', 'inputs', 'lines', 'lost', 'duplicated'] as const;
  const total = Object.fromEntries(cols.map((c) => [c, rows.reduce((n, r) => n + r[c], 0)])) as Record<(typeof cols)[number], number>;
  const body = [...rows.map((r) => [r.case, ...cols.map((c) => String(r[c])), r.notes ?? '']), ['TOTAL', ...cols.map((c) => String(total[c])), '']];
  const head = ['case', ...cols, 'notes'];
  const width = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ').trimEnd();
  return [line(head), ...body.map(line)].join('\n');
}

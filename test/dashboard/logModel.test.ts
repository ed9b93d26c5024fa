import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../control-plane/src/contract/logs';
import {
  createRowMaker,
  findMatches,
  logClock,
  logFileName,
  logFileText,
  markSegments,
  matchFrom,
  matchLabel,
  readWholeLog,
  scrollTopFor,
  stepMatch,
  visibleWindow,
  type LogPageReader,
} from '../../control-plane/src/dashboard/app/logModel';

const line = (seq: number, text: string, stream: LogLine['stream'] = 'stdout'): LogLine => ({ seq, ts: 1_700_000_000_000 + seq, stream, text });

describe('createRowMaker', () => {
  it('numbers rows per run, parses ANSI once and keeps plain text for search', () => {
    const maker = createRowMaker();
    const rows = maker.rows([line(1, '\x1b[31mred'), line(2, 'still red\x1b[0m ok')]);
    expect(rows.map((r) => [r.n, r.text])).toEqual([
      [1, 'red'],
      [2, 'still red ok'],
    ]);
    expect(rows[1].segments[0].style.fg).toBe(1);
    expect(maker.rows([line(3, 'next')])[0].n).toBe(3);
    expect(maker.note('──── run 2 ────')).toMatchObject({ n: null, ts: null, stream: 'system', text: '──── run 2 ────' });
  });

  it('keeps colour state per stream: stderr red does not tint stdout', () => {
    const rows = createRowMaker().rows([line(1, '\x1b[31merr begins', 'stderr'), line(2, 'out', 'stdout'), line(3, 'err goes on', 'stderr')]);
    expect(rows.map((r) => r.segments[0].style.fg)).toEqual([1, null, 1]);
  });
});

describe('search', () => {
  const texts = ['Error: disk', 'all fine', 'error again, ERROR twice', 'x.y*z'];

  it('finds every case-insensitive occurrence with its offsets', () => {
    expect(findMatches(texts, 'error')).toEqual([
      { row: 0, start: 0, end: 5 },
      { row: 2, start: 0, end: 5 },
      { row: 2, start: 13, end: 18 },
    ]);
    expect(findMatches(texts, 'error', 100)[0].row).toBe(100);
    expect(findMatches(texts, '')).toEqual([]);
  });

  it('takes the query literally, not as a pattern', () => {
    expect(findMatches(texts, 'y*z')).toEqual([{ row: 3, start: 2, end: 5 }]);
    expect(findMatches(texts, '.')).toEqual([{ row: 3, start: 1, end: 2 }]);
  });

  it('stops counting at the cap', () => {
    expect(findMatches(Array(50).fill('aaaa'), 'a', 0, 7)).toHaveLength(7);
  });

  it('steps round in both directions and starts where the reader is', () => {
    expect(stepMatch(-1, 3, 1)).toBe(0);
    expect(stepMatch(-1, 3, -1)).toBe(2);
    expect(stepMatch(2, 3, 1)).toBe(0);
    expect(stepMatch(0, 3, -1)).toBe(2);
    expect(stepMatch(0, 0, 1)).toBe(-1);
    const ms = findMatches(texts, 'error');
    expect(matchFrom(ms, 1)).toBe(1);
    expect(matchFrom(ms, 3)).toBe(0);
    expect(matchFrom([], 0)).toBe(-1);
  });

  it('labels the count', () => {
    expect(matchLabel('', -1, 0)).toBe('');
    expect(matchLabel('x', -1, 0)).toBe('no matches');
    expect(matchLabel('x', 2, 17)).toBe('3 / 17');
    expect(matchLabel('x', 0, 10, 10)).toBe('1 / 10+');
  });
});

describe('markSegments', () => {
  it('cuts styled segments at match edges and keeps each piece’s style', () => {
    const [row] = createRowMaker().rows([line(1, 'ab\x1b[31mcdef\x1b[0mgh')]);
    const pieces = markSegments(row.segments, [
      { start: 1, end: 4, current: false },
      { start: 6, end: 7, current: true },
    ]);
    expect(pieces.map((p) => [p.text, p.style.fg, p.mark])).toEqual([
      ['a', null, null],
      ['b', null, 'hit'],
      ['cd', 1, 'hit'],
      ['ef', 1, null],
      ['g', null, 'current'],
      ['h', null, null],
    ]);
    expect(pieces.map((p) => p.text).join('')).toBe(row.text);
  });

  it('returns the segments untouched without matches', () => {
    const [row] = createRowMaker().rows([line(1, 'plain')]);
    expect(markSegments(row.segments, [])).toEqual([{ text: 'plain', style: row.segments[0].style, mark: null }]);
  });
});

describe('window', () => {
  it('draws only the rows in view plus the overscan, clipped to the log', () => {
    expect(visibleWindow(0, 380, 19, 20_000, 10)).toEqual({ start: 0, end: 30 });
    expect(visibleWindow(19 * 10_000, 380, 19, 20_000, 10)).toEqual({ start: 9_990, end: 10_030 });
    expect(visibleWindow(19 * 19_990, 380, 19, 20_000, 10)).toEqual({ start: 19_980, end: 20_000 });
    expect(visibleWindow(0, 380, 19, 0)).toEqual({ start: 0, end: 0 });
  });

  it('scrolls a row a third of the way down the view', () => {
    expect(scrollTopFor(1000, 19, 420)).toBe(19_000 - 140);
    expect(scrollTopFor(2, 19, 420)).toBe(0);
  });

  it('formats the gutter clock with milliseconds', () => {
    const ts = new Date(2024, 0, 2, 3, 4, 5, 67).getTime();
    expect(logClock(ts)).toBe('03:04:05.067');
  });
});

describe('whole log download', () => {
  /** A fake API over runs of n lines each, answering pages the way GET /v1/jobs/{id}/logs does. */
  function fakeReader(linesPerRun: number[], asked: [number, number, number][] = []): LogPageReader {
    return async (run, after, limit) => {
      asked.push([run, after, limit]);
      const all = Array.from({ length: linesPerRun[run - 1] ?? 0 }, (_, i) => line(i + 1, `r${run} l${i + 1}`));
      const lines = all.filter((l) => l.seq > after).slice(0, limit);
      return { lines, next: lines.length ? lines[lines.length - 1].seq : after, truncated: false };
    };
  }

  it('reads every run page by page until a short page', async () => {
    const asked: [number, number, number][] = [];
    const seen: number[] = [];
    const runs = await readWholeLog(fakeReader([25, 0, 10], asked), 3, 10, (n) => seen.push(n));
    expect(runs.map((r) => r.lines.length)).toEqual([25, 0, 10]);
    expect(runs[0].lines.map((l) => l.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(asked).toEqual([
      [1, 0, 10],
      [1, 10, 10],
      [1, 20, 10],
      [2, 0, 10],
      [3, 0, 10],
      [3, 10, 10],
    ]);
    expect(seen[seen.length - 1]).toBe(35);
  });

  it('stops on a page that does not move forward (no endless loop)', async () => {
    let calls = 0;
    const stuck: LogPageReader = async () => (calls++, { lines: Array.from({ length: 5 }, (_, i) => line(i + 1, 'x')), next: 0, truncated: true });
    const [run] = await readWholeLog(stuck, 1, 5);
    expect(calls).toBe(1);
    expect(run.truncated).toBe(true);
  });

  it('writes a header per run and one line per log line, stream marked beside stdout', () => {
    const text = logFileText('job-1', [
      { run: 1, lines: [line(1, '\x1b[31mred'), line(2, 'oops', 'stderr')], truncated: true },
      { run: 2, lines: [line(1, 'again')], truncated: false },
    ]);
    const rows = text.trimEnd().split('\n');
    expect(rows).toHaveLength(5);
    expect(rows[0]).toBe('==== job-1 · run 1 · 2 lines · some older lines were lost ====');
    expect(rows[1]).toBe(`${new Date(1_700_000_000_001).toISOString()} \x1b[31mred`);
    expect(rows[2]).toMatch(/Z \[stderr\] oops$/);
    expect(rows[3]).toBe('==== job-1 · run 2 · 1 lines ====');
  });

  it('makes a safe file name', () => {
    expect(logFileName('train-7.a_b')).toBe('train-7.a_b.log');
    expect(logFileName('../../etc/passwd')).toBe('.._.._etc_passwd.log');
    expect(logFileName('')).toBe('job.log');
  });
});

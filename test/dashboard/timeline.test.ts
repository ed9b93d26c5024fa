import { describe, expect, it } from 'vitest';
import { jobSpans, timelineLayout, timelineSvg, TIMELINE_BOX, type TimedJob } from '../../control-plane/src/dashboard/app/timeline';
import { offsetLabel, tickStep } from '../../control-plane/src/dashboard/app/timeAxis';

const T = 1_700_000_000_000;
const job = (id: string, o: Partial<TimedJob>): TimedJob => ({
  id,
  node: 'box-1',
  status: 'COMPLETED',
  state: 'COMPLETED',
  createdAt: T,
  queuedAt: null,
  startedAt: null,
  finishedAt: null,
  ...o,
});
const kinds = (j: TimedJob, now = T + 100_000) => jobSpans(j, now).map((s) => [s.kind, s.from - T, s.to - T]);

describe('jobSpans', () => {
  it('splits a finished child into waiting for parents, queued and running', () => {
    const j = job('B', { queuedAt: T + 2000, startedAt: T + 2500, finishedAt: T + 6000 });
    expect(kinds(j)).toEqual([['waiting', 0, 2000], ['queued', 2000, 2500], ['running', 2500, 6000]]);
  });

  it('leaves out empty spans: a root job queues the moment it is submitted', () => {
    expect(kinds(job('A', { queuedAt: T, startedAt: T + 10, finishedAt: T + 20 }))).toEqual([['queued', 0, 10], ['running', 10, 20]]);
  });

  it('runs a live job to now, and keeps a queued one open', () => {
    const now = T + 9000;
    expect(kinds(job('R', { state: 'RUNNING', status: 'RUNNING', queuedAt: T, startedAt: T + 1000 }), now)).toEqual([['queued', 0, 1000], ['running', 1000, 9000]]);
    expect(kinds(job('Q', { state: 'QUEUED', status: 'PENDING', queuedAt: T + 500 }), now)).toEqual([['waiting', 0, 500], ['queued', 500, 9000]]);
    expect(kinds(job('P', { state: 'PENDING', status: 'PENDING' }), now)).toEqual([['waiting', 0, 9000]]);
  });

  it('counts time before the start as queued when queuedAt is missing', () => {
    expect(kinds(job('old', { startedAt: T + 300, finishedAt: T + 800 }))).toEqual([['queued', 0, 300], ['running', 300, 800]]);
  });

  it('shows a start before the last queueing as an earlier attempt', () => {
    const j = job('retry', { state: 'RUNNING', status: 'RUNNING', queuedAt: T + 5000, startedAt: T + 1000 });
    expect(kinds(j, T + 7000)).toEqual([['waiting', 0, 1000], ['earlier', 1000, 5000], ['queued', 5000, 7000]]);
  });

  it('ends a job cancelled in the queue at its end, with no run', () => {
    expect(kinds(job('c', { state: 'CANCELLED', status: 'CANCELLED', queuedAt: T, finishedAt: T + 4000 }))).toEqual([['queued', 0, 4000]]);
  });
});

describe('tickStep and offsetLabel', () => {
  it('picks the smallest readable step that fits', () => {
    expect(tickStep(10_000, 10)).toBe(1000);
    expect(tickStep(10_000, 4)).toBe(5000);
    expect(tickStep(65 * 60_000, 6)).toBe(15 * 60_000);
    expect(tickStep(800, 0)).toBe(1000);
    expect(tickStep(30 * 86_400_000, 3)).toBe(10 * 86_400_000);
  });

  it('writes offsets compactly', () => {
    expect([0, 500, 1000, 45_000, 120_000, 90_000, 3_600_000, 9_000_000].map(offsetLabel)).toEqual(['0', '0.5s', '1s', '45s', '2m', '1m30s', '1h', '2h30m']);
  });
});

describe('timelineLayout', () => {
  const A = job('A', { queuedAt: T, startedAt: T + 1000, finishedAt: T + 3000, node: 'box-1' });
  const B = job('B', { queuedAt: T + 3000, startedAt: T + 3500, finishedAt: T + 9000, node: 'box-2' });
  const C = job('C', { queuedAt: T + 3000, startedAt: T + 4000, finishedAt: T + 11_000 });
  const width = TIMELINE_BOX.label + TIMELINE_BOX.pad + TIMELINE_BOX.tail + 1100; // 100 px per second over 0..11 s

  it('orders rows by when each job became active, one row height apart', () => {
    const l = timelineLayout([C, B, A], T + 20_000, width);
    expect(l.rows.map((r) => r.job.id)).toEqual(['A', 'B', 'C']); // B and C queued together; B started first
    expect(l.rows.map((r) => r.y)).toEqual([0, 1, 2].map((i) => TIMELINE_BOX.axisH + i * TIMELINE_BOX.rowH));
    expect(l.height).toBe(TIMELINE_BOX.axisH + 3 * TIMELINE_BOX.rowH + TIMELINE_BOX.pad);
  });

  it('keeps the input order for jobs that became active and started together, and puts jobs never queued last', () => {
    const D = { ...C, id: 'D' };
    const P = job('P', { state: 'PENDING', status: 'PENDING' });
    expect(timelineLayout([P, D, C, A], T, width).rows.map((r) => r.job.id)).toEqual(['A', 'D', 'C', 'P']);
  });

  it('scales every span on one axis from the first submission to the last end', () => {
    const l = timelineLayout([A, B, C], T + 60_000, width);
    const x0 = TIMELINE_BOX.label + TIMELINE_BOX.pad;
    const run = (id: string) => l.rows.find((r) => r.job.id === id)!.segments.find((s) => s.kind === 'running')!;
    expect(run('A').x).toBeCloseTo(x0 + 100);
    expect(run('A').w).toBeCloseTo(200);
    expect(run('B').x).toBeCloseTo(x0 + 350);
    expect(run('C').x + run('C').w).toBeCloseTo(x0 + 1100);
    expect(l.rows.find((r) => r.job.id === 'C')!.endX).toBeCloseTo(x0 + 1100);
    expect(l.nowX).toBeNull(); // everything ended: the axis stops at the last end, not at now
    expect(l.ticks[0]).toEqual({ x: x0, label: '0' });
    expect(l.ticks.at(-1)!.label).toBe('11s');
    expect(l.rows.find((r) => r.job.id === 'B')!.total).toBe('6.0s');
  });

  it('lays out no jobs as an empty chart', () => {
    expect(timelineLayout([], T, 800)).toEqual({ rows: [], ticks: [], nowX: null, width: 800, height: TIMELINE_BOX.axisH + TIMELINE_BOX.pad });
  });

  it('extends to now while a job runs, and keeps a tiny run visible', () => {
    const R = job('R', { state: 'RUNNING', status: 'RUNNING', queuedAt: T + 1000, startedAt: T + 1000 });
    const quick = job('quick', { queuedAt: T, startedAt: T + 100, finishedAt: T + 101 });
    const l = timelineLayout([quick, R], T + 11_000, width);
    const x0 = TIMELINE_BOX.label + TIMELINE_BOX.pad;
    expect(l.nowX).toBeCloseTo(x0 + 1100);
    const r = l.rows.find((x) => x.job.id === 'R')!;
    expect(r.endX).toBeNull();
    expect(r.segments.at(-1)!.x + r.segments.at(-1)!.w).toBeCloseTo(x0 + 1100);
    expect(l.rows[0].segments.find((s) => s.kind === 'running')!.w).toBe(2);
  });
});

describe('timelineSvg', () => {
  it('draws a linked row per job with its agent, escaping ids and names', () => {
    const j = job('a<b>"x"', { node: '<i>box</i>', queuedAt: T, startedAt: T + 500, finishedAt: T + 1500 });
    const svg = timelineSvg(timelineLayout([j], T + 2000, 900)).text;
    expect(svg).toContain('data-tl-job="a&#60;b&#62;&#34;x&#34;"');
    expect(svg).toContain('href="#/jobs/a%3Cb%3E%22x%22"');
    expect(svg).toContain('&#60;i&#62;box&#60;/i&#62;');
    expect(svg).not.toContain('<i>');
    expect(svg).toMatch(/class="tl-seg tl-running tl-st-COMPLETED" data-kind="running"/);
    expect(svg).toContain('ran 1.0s');
    expect(svg).not.toContain('style=');
  });
});

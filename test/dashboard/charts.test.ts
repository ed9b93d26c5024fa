import { describe, expect, it } from 'vitest';
import {
  appendSample,
  CHART_PAD,
  chartStart,
  lineChart,
  linePath,
  niceCeil,
  sampleOf,
  throughput,
  throughputChart,
  utilisation,
  type Frame,
  type StatsSample,
} from '../../control-plane/src/dashboard/app/charts';

const T = 1_700_000_000_000;
const agent = (id: string, name: string, running: number, slots: number) => ({ id, name, running, slots });
const sample = (sec: number, o: Partial<StatsSample> = {}): StatsSample => ({ t: T + sec * 1000, queued: 0, running: 0, completed: 0, failed: 0, agents: [], ...o });

describe('sampleOf and appendSample', () => {
  it('reduces stats to what the charts plot', () => {
    const stats = {
      queueDepth: 7,
      counts: { PENDING: 1, QUEUED: 7, RUNNING: 2, FAILED: 0, DEAD: 3, COMPLETED: 40, CANCELLED: 1 },
      agents: [{ id: 'ag-1', name: 'box', running: 2, slots: 4 }],
    } as unknown as Parameters<typeof sampleOf>[0];
    expect(sampleOf(stats, T)).toEqual({ t: T, queued: 7, running: 2, completed: 40, failed: 3, agents: [agent('ag-1', 'box', 2, 4)] });
  });

  it('keeps only the window, and ignores a sample not newer than the last', () => {
    let s: StatsSample[] = [];
    for (const sec of [0, 1, 2, 61]) s = appendSample(s, sample(sec), 60_000);
    expect(s.map((x) => (x.t - T) / 1000)).toEqual([2, 61]);
    expect(appendSample(s, sample(30), 60_000).map((x) => (x.t - T) / 1000)).toEqual([2, 61]);
  });
});

describe('chartStart', () => {
  it('starts at the first sample, showing at least a minute and at most the window', () => {
    expect(chartStart([sample(0)], T + 200_000, 600_000)).toBe(T);
    expect(chartStart([sample(0)], T + 5000, 600_000)).toBe(T + 5000 - 60_000);
    expect(chartStart([sample(0)], T + 900_000, 600_000)).toBe(T + 300_000);
    expect(chartStart([], T, 600_000)).toBe(T - 60_000);
  });
});

describe('throughput', () => {
  it('credits rises in COMPLETED and DEAD to the later sample’s bucket', () => {
    const s = [sample(0, { completed: 5 }), sample(4, { completed: 7, failed: 1 }), sample(9, { completed: 8, failed: 1 }), sample(12, { completed: 12, failed: 1 })];
    const b = throughput(s, 10_000);
    const total = (k: 'completed' | 'failed') => b.reduce((n, x) => n + x[k], 0);
    expect(total('completed')).toBe(7);
    expect(total('failed')).toBe(1);
    // Each rise lands in the bucket holding the later sample.
    for (const x of b) expect(x.t % 10_000).toBe(0);
    expect(b.find((x) => x.t <= T + 12_000 && T + 12_000 < x.t + 10_000)!.completed).toBe(4);
  });

  it('counts no negative throughput, nothing across a gap, and fills quiet buckets with zeros', () => {
    const s = [sample(0, { completed: 10 }), sample(1, { completed: 4 }), sample(2, { completed: 6 }), sample(40, { completed: 50 }), sample(41, { completed: 51 })];
    const b = throughput(s, 10_000, 5000);
    expect(b.reduce((n, x) => n + x.completed, 0)).toBe(3);
    expect(b.length).toBe(Math.floor((T + 41_000) / 10_000) - Math.floor(T / 10_000) + 1);
    expect(throughput([])).toEqual([]);
  });
});

describe('utilisation', () => {
  it('follows each agent by id with running/slots in percent, and the whole cluster', () => {
    const s = [sample(0, { agents: [agent('b', 'zeta', 1, 4), agent('a', 'alpha', 0, 2)] }), sample(1, { agents: [agent('b', 'zeta', 4, 4), agent('c', 'idle', 0, 0)] })];
    const u = utilisation(s);
    expect(u.agents.map((a) => [a.name, a.points.map((p) => p.v)])).toEqual([['alpha', [0]], ['idle', [0]], ['zeta', [25, 100]]]);
    expect(u.cluster.map((p) => Math.round(p.v))).toEqual([17, 100]);
  });
});

describe('scales and paths', () => {
  const f: Frame = { t0: T, t1: T + 100_000, yMax: 10, width: CHART_PAD.left + CHART_PAD.right + 1000, height: CHART_PAD.top + CHART_PAD.bottom + 100 };

  it('niceCeil rounds up to 1, 2 or 5 times a power of ten', () => {
    expect([0, 0.5, 1, 3, 7, 10, 11, 180, 501].map(niceCeil)).toEqual([1, 1, 1, 5, 10, 10, 20, 200, 1000]);
  });

  it('draws a line from left to right, low values low, and breaks it at a gap', () => {
    const p = linePath([{ t: T, v: 0 }, { t: T + 1000, v: 10 }, { t: T + 50_000, v: 5 }], f, 5000);
    expect(p).toBe(`M${CHART_PAD.left},${CHART_PAD.top + 100} L${CHART_PAD.left + 10},${CHART_PAD.top} M${CHART_PAD.left + 500},${CHART_PAD.top + 50}`);
  });

  it('caps values above the axis at its top', () => {
    expect(linePath([{ t: T, v: 99 }], f)).toBe(`M${CHART_PAD.left},${CHART_PAD.top}`);
  });
});

describe('chart markup', () => {
  it('labels each line with its name and latest value, escaping names', () => {
    const svg = lineChart('u', 'Use', [{ name: '<b>box</b>', cls: 'ch-c0', points: [{ t: T - 1000, v: 50 }, { t: T, v: 75 }] }], { from: T - 60_000, now: T, width: 400, yMax: 100, unit: '%' }).text;
    expect(svg).toContain('data-chart="u"');
    expect(svg).toContain('data-series="&#60;b&#62;box&#60;/b&#62;" data-last="75"');
    expect(svg).toContain('>100%</text>');
    expect(svg).toContain('>now</text>');
    expect(svg).not.toContain('<b>');
    expect(svg).not.toContain('style=');
  });

  it('stacks failed on completed, and draws nothing for quiet buckets', () => {
    const svg = throughputChart(
      [
        { t: T - 20_000, completed: 0, failed: 0 },
        { t: T - 10_000, completed: 3, failed: 1 },
      ],
      { from: T - 60_000, now: T, width: 400 },
    ).text;
    expect(svg.match(/class="ch-bar"/g)).toHaveLength(1);
    expect(svg).toContain('data-completed="3" data-failed="1"');
    const y = (cls: string) => Number(new RegExp(`class="${cls}" x="[\\d.]+" y="([\\d.]+)"`).exec(svg)![1]);
    expect(y('ch-failed')).toBeLessThan(y('ch-completed'));
    // Counts get whole-number gridlines: 0 and 5, no 2.5.
    expect(svg).toContain('>5</text>');
    expect(svg).not.toContain('>2.5</text>');
  });
});

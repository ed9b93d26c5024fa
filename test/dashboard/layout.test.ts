import { parseSse } from '../../control-plane/src/contract/sse';
import { describe, expect, it } from 'vitest';
import {
  formatAgo,
  formatDuration,
  jobDurationMs,
  longestPathLayers,
  statusColor,
  type Edge,
} from '../../control-plane/src/dashboard/app/layout';

const obj = (m: Map<string, number>) => Object.fromEntries(m);

describe('longestPathLayers', () => {
  it('puts a diamond in three layers', () => {
    const edges: Edge[] = [['A', 'B'], ['A', 'C'], ['B', 'D'], ['C', 'D']];
    expect(obj(longestPathLayers(['A', 'B', 'C', 'D'], edges))).toEqual({ A: 0, B: 1, C: 1, D: 2 });
  });

  it('uses the longest path, not the shortest', () => {
    // A→D directly and A→B→C→D: D belongs after C.
    const edges: Edge[] = [['A', 'D'], ['A', 'B'], ['B', 'C'], ['C', 'D']];
    expect(obj(longestPathLayers(['D', 'C', 'B', 'A'], edges))).toEqual({ A: 0, B: 1, C: 2, D: 3 });
  });

  it('keeps independent nodes in layer 0 and ignores unknown ids and self-loops', () => {
    const edges: Edge[] = [['X', 'A'], ['A', 'A']];
    expect(obj(longestPathLayers(['A', 'B'], edges))).toEqual({ A: 0, B: 0 });
  });

  it('handles ids that are Object prototype names', () => {
    const m = longestPathLayers(['__proto__', 'constructor'], [['__proto__', 'constructor']]);
    expect(m.get('__proto__')).toBe(0);
    expect(m.get('constructor')).toBe(1);
  });

  it('terminates on a cycle and places its nodes after the rest', () => {
    const m = longestPathLayers(['A', 'B', 'C'], [['A', 'B'], ['B', 'C'], ['C', 'B']]);
    expect(m.get('A')).toBe(0);
    expect(m.get('B')).toBe(1);
    expect(m.get('C')).toBe(1);
  });

  it('is linear enough for a large chain', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `j${i}`);
    const edges = ids.slice(1).map((id, i) => [ids[i], id] as Edge);
    const t = Date.now();
    expect(longestPathLayers(ids, edges).get('j1999')).toBe(1999);
    expect(Date.now() - t).toBeLessThan(500);
  });
});

describe('small helpers', () => {
  it('statusColor follows the agreed palette', () => {
    expect(statusColor('COMPLETED').fill).toBe('#15803d');
    expect(statusColor('RUNNING').fill).toBe('#2563eb');
    expect(statusColor('FAILED').fill).toBe('#dc2626');
    expect(statusColor('CANCELLED').fill).toBe('#374151');
    expect(statusColor('PENDING')).toEqual(statusColor('SOMETHING_NEW'));
  });

  it('formatDuration', () => {
    expect(formatDuration(null)).toBe('–');
    expect(formatDuration(-1)).toBe('–');
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(4290)).toBe('4.2s');
    expect(formatDuration(59_999)).toBe('59.9s');
    expect(formatDuration(187_000)).toBe('3m 07s');
    expect(formatDuration(7_500_000)).toBe('2h 05m');
  });

  it('jobDurationMs runs to the end, or to now while running', () => {
    expect(jobDurationMs({ startedAt: null, finishedAt: null }, 10)).toBeNull();
    expect(jobDurationMs({ startedAt: 100, finishedAt: 350 }, 1000)).toBe(250);
    expect(jobDurationMs({ startedAt: 100, finishedAt: null }, 1000)).toBe(900);
  });

  it('formatAgo', () => {
    expect(formatAgo(1000, 1500)).toBe('just now');
    expect(formatAgo(0, 12_000)).toBe('12s ago');
    expect(formatAgo(0, 5 * 60_000)).toBe('5m ago');
    expect(formatAgo(0, 3 * 3_600_000)).toBe('3h ago');
    expect(formatAgo(0, 49 * 3_600_000)).toBe('2d ago');
  });
});

describe('parseSse', () => {
  it('splits complete events and keeps the unfinished tail', () => {
    const { events, rest } = parseSse('event: hello\ndata: {"run":1}\n\n: keep-alive\n\nid: 3\ndata: {"seq":3}\n\nid: 4\ndata: {"se');
    expect(events).toEqual([
      { event: 'hello', data: '{"run":1}', id: null },
      { event: 'message', data: '{"seq":3}', id: '3' },
    ]);
    expect(rest).toBe('id: 4\ndata: {"se');
    expect(parseSse(rest + 'q":4}\n\n').events).toEqual([{ event: 'message', data: '{"seq":4}', id: '4' }]);
  });

  it('joins multi-line data and accepts CRLF', () => {
    expect(parseSse('data: a\r\ndata: b\r\n\r\n').events).toEqual([{ event: 'message', data: 'a\nb', id: null }]);
  });
});

import { describe, expect, it } from 'vitest';
import { compareWithRay } from './compare';
import { parseCpuLine, stealPct } from './machine';
import { cpuBetween, parseStat, roleOf, type ProcStat, type Role } from './procs';

// A real /proc/PID/stat line, with a command name holding a space and a parenthesis.
const line = (pid: number, comm: string, ppid: number, own: [number, number], reaped: [number, number], rss: number) =>
  `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1 4194560 100 0 0 0 ${own[0]} ${own[1]} ${reaped[0]} ${reaped[1]} 20 0 1 0 12345 1000000 ${rss} 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0`;

describe('/proc parsing', () => {
  it('reads pid, parent, CPU ticks (own and reaped) and resident pages from a stat line', () => {
    expect(parseStat(line(42, 'py (x) y', 7, [10, 5], [3, 2], 900))).toEqual({ pid: 42, ppid: 7, comm: 'py (x) y', ownTicks: 15, reapedTicks: 5, rssPages: 900 });
    expect(parseStat('')).toBeNull();
    expect(parseStat('12 (short) S 1 2')).toBeNull();
  });

  it('names a zygote by its command line and its forks as jobs, though they share that command line', () => {
    const known = { bench: 1, workerd: 2, agent: 3, zygotes: new Set([4]) };
    const p = (pid: number, ppid: number, comm = 'python') => parseStat(line(pid, comm, ppid, [0, 0], [0, 0], 0))!;
    expect(roleOf(p(1, 0, 'node'), known, 'node run.ts')).toBe('bench');
    expect(roleOf(p(2, 1, 'workerd'), known, '')).toBe('workerd');
    expect(roleOf(p(3, 1, 'node'), known, 'node titan.mjs agent')).toBe('agent');
    expect(roleOf(p(4, 3), known, 'python -u /x/zygote.py')).toBe('zygote');
    expect(roleOf(p(5, 4), known, 'python -u /x/zygote.py')).toBe('job');
    expect(roleOf(p(6, 3, 'sh'), known, 'sh -c watchdog')).toBe('other');
  });
});

describe('CPU between two snapshots', () => {
  const st = (pid: number, own: number, reaped: number): ProcStat => ({ pid, ppid: 1, comm: 'x', ownTicks: own, reapedTicks: reaped, rssPages: 0 });
  const roles = new Map<number, Role>([[1, 'bench'], [2, 'workerd'], [4, 'zygote'], [5, 'job'], [7, 'other']]);

  it("counts own time while a process lives, a zygote's reaped jobs, and never the bench's reaped children", () => {
    const before = new Map([[1, st(1, 100, 50)], [2, st(2, 1000, 0)], [4, st(4, 10, 20)]]);
    const after = new Map([[1, st(1, 130, 900)], [2, st(2, 1600, 0)], [4, st(4, 15, 420)], [5, st(5, 3, 0)], [7, st(7, 2, 0)]]);
    expect(cpuBetween(before, after, roles)).toEqual({ bench: 30, workerd: 600, zygote: 405, job: 0, agent: 0, other: 2 });
  });
});

describe('the comparison with Ray', () => {
  const ours = { independent100_ms: 500, chain20_ms: 150, single_p50_ms: 10, fan50_join_ms: 300 };
  const ray = { ray_version: '2.60.0', python: '/v/bin/python', init_ms: 2000, subprocess: { independent100_ms: 1000, chain20_ms: 300, single_p50_ms: 20, fan50_join_ms: 400 }, native: { independent100_ms: 100, chain20_ms: 30, single_p50_ms: 2, fan50_join_ms: 50 } };

  it('gives ours over Ray-subprocess per workload, and both ratios in the table', () => {
    const { figures, table } = compareWithRay(ours, ray);
    expect(figures).toEqual({ independent100_ours_over_ray_sub: 0.5, chain20_ours_over_ray_sub: 0.5, single_p50_ours_over_ray_sub: 0.5, fan50_join_ours_over_ray_sub: 0.75 });
    expect(table[1]).toMatch(/^100 independent.*\b500\s+1000\s+100\s+0\.5\s+5$/);
    expect(table.at(-1)).toContain('Ray 2.60.0');
  });

  it('without Ray prints our column and says why', () => {
    const { figures, table } = compareWithRay(ours, null, 'pip could not reach PyPI');
    expect(figures).toEqual({});
    expect(table[2]).toMatch(/^20-job chain.*150\s+—\s+—$/);
    expect(table.at(-1)).toBe('Ray: not measured — pip could not reach PyPI');
  });
});

describe('/proc/stat steal', () => {
  const stat = (steal: number, idle: number) => `cpu  100 0 50 ${idle} 5 0 3 ${steal} 0 0\ncpu0 50 0 25 ${idle / 2} 2 0 1 ${steal / 2} 0 0\n`;

  it('reads steal and total ticks from the all-CPUs line', () => {
    expect(parseCpuLine(stat(20, 800))).toEqual({ steal: 20, total: 100 + 50 + 800 + 5 + 3 + 20 });
    expect(parseCpuLine('intr 1 2 3\n')).toBeNull();
    expect(parseCpuLine('cpu  1 2 3\n')).toBeNull();
  });

  it('gives the share of CPU time the host took between two readings', () => {
    expect(stealPct(parseCpuLine(stat(20, 800)), parseCpuLine(stat(70, 1250)))).toBe(10);
    expect(stealPct(parseCpuLine(stat(20, 800)), parseCpuLine(stat(20, 800)))).toBeNull();
    expect(stealPct(null, parseCpuLine(stat(20, 800)))).toBeNull();
  });
});

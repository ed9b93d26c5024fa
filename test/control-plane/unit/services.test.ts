import { describe, expect, it } from 'vitest';
import { CRASH_LOOP, isCrashLoop, satisfiesChildren, serviceChange, type ServiceFacts, type ServiceReportFacts } from '../../../control-plane/src/core/services';

const job = (f: Partial<ServiceFacts> = {}): ServiceFacts => ({ state: 'RUNNING', serviceState: 'running', restarts: 0, health: null, lastExit: null, restartsAt: [], ...f });
const report = (r: Partial<ServiceReportFacts> = {}): ServiceReportFacts => ({ state: 'running', restarts: 0, health: 'unknown', lastExit: null, ...r });
const NOW = 1_000_000;

describe('service readiness', () => {
  it('counts a completed parent, or a running service that reports running', () => {
    expect(satisfiesChildren({ state: 'COMPLETED', type: 'RUN_PAYLOAD', serviceState: null })).toBe(true);
    expect(satisfiesChildren({ state: 'RUNNING', type: 'ARCHIVE_SERVICE', serviceState: 'running' })).toBe(true);
    expect(satisfiesChildren({ state: 'RUNNING', type: 'SERVICE', serviceState: 'restarting' })).toBe(false);
    expect(satisfiesChildren({ state: 'QUEUED', type: 'SERVICE', serviceState: 'running' })).toBe(false);
  });
});

describe('service reports', () => {
  it('ignores reports for jobs no longer running, and reports that change nothing', () => {
    expect(serviceChange(job({ state: 'CANCELLED', serviceState: 'starting' }), report(), NOW)).toBeNull();
    expect(serviceChange(job({ restarts: 1, health: 'healthy', lastExit: 'code 1' }), report({ restarts: 1, health: 'healthy', lastExit: 'code 1' }), NOW)).toBeNull();
    // A new agent knows no last exit yet: the stored one stays, and that is no change.
    expect(serviceChange(job({ lastExit: 'SIGKILL' }), report({ lastExit: null }), NOW)).toBeNull();
  });

  it('notes a change of state with its restarts, and releases children once running', () => {
    const up = serviceChange(job({ serviceState: 'starting' }), report(), NOW)!;
    expect(up).toMatchObject({ note: 'service running', releaseChildren: true });
    const down = serviceChange(job(), report({ state: 'restarting', restarts: 2, lastExit: 'code 1' }), NOW)!;
    expect(down).toMatchObject({ note: 'service restarting (restarts 2)', releaseChildren: false });
    expect(down.stored).toEqual({ serviceState: 'restarting', restarts: 2, health: 'unknown', lastExit: 'code 1', restartsAt: [NOW, NOW] });
  });

  it('records a bare restart count without a history line', () => {
    expect(serviceChange(job({ restarts: 1, restartsAt: [NOW - 10] }), report({ restarts: 2 }), NOW)).toMatchObject({
      note: null, releaseChildren: true, stored: { restarts: 2, restartsAt: [NOW - 10, NOW] },
    });
  });

  it('notes turning unhealthy and recovering', () => {
    const sick = serviceChange(job({ health: 'healthy' }), report({ state: 'restarting', restarts: 1, health: 'unhealthy', lastExit: 'unhealthy: 3 failed checks' }), NOW)!;
    expect(sick.note).toBe('service restarting (restarts 1); unhealthy: restarting');
    expect(sick.stored).toMatchObject({ health: 'unhealthy', lastExit: 'unhealthy: 3 failed checks' });
    expect(serviceChange(job({ restarts: 1, health: 'unhealthy' }), report({ restarts: 1, health: 'healthy' }), NOW)!.note).toBe('healthy again');
    // Healthy for the first time is no news; unknown (a new process) is not a recovery.
    expect(serviceChange(job(), report({ health: 'healthy' }), NOW)!.note).toBeNull();
    expect(serviceChange(job({ health: 'unhealthy' }), report({ health: 'unknown' }), NOW)!.note).toBeNull();
  });

  it('a new agent counting from zero adds no restarts', () => {
    expect(serviceChange(job({ restarts: 4, restartsAt: [1, 2] }), report({ state: 'starting', restarts: 0 }), NOW)!.stored).toMatchObject({ restarts: 0, restartsAt: [1, 2] });
  });
});

describe('crash loops', () => {
  const n = CRASH_LOOP.restarts;
  it(`is ${n} restarts within ${CRASH_LOOP.windowMs} ms`, () => {
    const times = Array.from({ length: n }, (_, i) => NOW - CRASH_LOOP.windowMs + i * 1000);
    expect(isCrashLoop(times, NOW)).toBe(true);
    expect(isCrashLoop(times.slice(1), NOW)).toBe(false); // one restart short
    expect(isCrashLoop(times, NOW + 1)).toBe(false); // the oldest fell out of the window: it has calmed down
    expect(isCrashLoop([], NOW)).toBe(false);
  });

  it('keeps only the latest restarts, and notes the loop once with its last exit', () => {
    const before = job({ restarts: n - 1, restartsAt: Array(n - 1).fill(NOW - 1000), lastExit: 'code 1' });
    const c = serviceChange(before, report({ state: 'restarting', restarts: n, lastExit: 'code 1' }), NOW)!;
    expect(c.note).toBe(`service restarting (restarts ${n}); crash loop: ${n} restarts within 5 min, last exit code 1`);
    expect(c.stored.restartsAt).toHaveLength(n);
    const again = serviceChange(job({ ...c.stored, serviceState: 'restarting' }), report({ state: 'starting', restarts: n + 3, lastExit: 'code 1' }), NOW + 5)!;
    expect(again.note).toBe(`service starting (restarts ${n + 3})`);
    expect(again.stored.restartsAt).toEqual([NOW - 1000, NOW, NOW + 5, NOW + 5, NOW + 5]);
  });
});

// Elastic agents, the pure parts: the supervisor's scale plan, its children's command line, idle
// retirement's decision and timer, and the CLI flags that turn them on.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCommandLine, UsageError } from '../../cli/args';
import { COMMANDS } from '../../cli/commandTable';
import { agentConfig } from '../../cli/config';
import type { DemandGroup, DemandResponse } from '../../control-plane/src/contract/resources';
import { idleCheckEveryMs, idleFor, watchIdle } from '../../worker-agent/src/idleExit';
import { childArgs, childEnv } from '../../worker-agent/src/supervise/child';
import { childCanTake, freeChildNumbers, scalePlan, type ScaleInput } from '../../worker-agent/src/supervise/plan';

const group = (g: Partial<DemandGroup>): DemandGroup => ({
  requirement: 'GENERAL',
  gpus: 0,
  gpuMemoryMb: 0,
  memoryMb: 0,
  cpus: 0,
  queued: 0,
  running: 0,
  oldestWaitMs: 0,
  placeable: true,
  backlogged: false,
  ...g,
});
const demand = (...groups: DemandGroup[]): DemandResponse => ({ at: 0, groups, supply: [], backlogged: false, thresholds: { queued: 1, waitMs: 0 } });

const input = (over: Partial<ScaleInput>): ScaleInput => ({
  demand: demand(group({ queued: 12 })),
  hostCapabilities: ['GENERAL'],
  childSlots: 1,
  maxEphemeral: 4,
  children: 0,
  starting: 0,
  backloggedSinceMs: 1000,
  lastReadyAtMs: 0,
  now: 7000,
  scaleAfterMs: 5000,
  ...over,
});

describe('scale plan', () => {
  it('counts only queued jobs a slots-only child of this host could take', () => {
    expect(childCanTake(group({}), ['GENERAL'])).toBe(true);
    expect(childCanTake(group({ requirement: 'GPU' }), ['GENERAL'])).toBe(false);
    for (const ask of [{ gpus: 1 }, { gpuMemoryMb: 8000 }, { memoryMb: 512 }, { cpus: 0.5 }]) expect(childCanTake(group(ask), ['GENERAL', 'GPU'])).toBe(false);
    const d = demand(group({ queued: 3 }), group({ requirement: 'HIGH_MEM', queued: 2 }), group({ requirement: 'GPU', queued: 5, gpus: 1 }), group({ requirement: 'TPU', queued: 9 }));
    const p = scalePlan(input({ demand: d, hostCapabilities: ['GENERAL', 'HIGH_MEM', 'GPU'] }));
    expect(p).toMatchObject({ backlog: 5, requirements: ['GENERAL', 'HIGH_MEM'] });
  });

  it('waits until the backlog has lasted scaleAfterMs, then grows by ceil(backlog / childSlots) up to the limit', () => {
    expect(scalePlan(input({ backloggedSinceMs: null, now: 1000 }))).toEqual({ backlog: 12, requirements: ['GENERAL'], backloggedSinceMs: 1000, start: 0 });
    expect(scalePlan(input({ now: 5999 })).start).toBe(0);
    expect(scalePlan(input({ now: 6000 })).start).toBe(4);
    expect(scalePlan(input({ children: 3 })).start).toBe(1);
    expect(scalePlan(input({ children: 4 })).start).toBe(0);
    expect(scalePlan(input({ demand: demand(group({ queued: 5 })), childSlots: 4 })).start).toBe(2);
    expect(scalePlan(input({ demand: demand(group({ queued: 5 })), childSlots: 4, children: 1 })).start).toBe(2);
    expect(scalePlan(input({ maxEphemeral: 0 })).start).toBe(0);
  });

  it('never stops children, and forgets the backlog the moment it is gone', () => {
    const p = scalePlan(input({ demand: demand(group({ queued: 0, running: 9 })), children: 4 }));
    expect(p).toEqual({ backlog: 0, requirements: [], backloggedSinceMs: null, start: 0 });
    expect(scalePlan(input({ demand: demand(), children: 9 })).start).toBe(0);
  });

  it('starts nothing while a child is starting, and lets new children lease for scaleAfterMs first', () => {
    expect(scalePlan(input({ children: 2, starting: 1 })).start).toBe(0);
    expect(scalePlan(input({ children: 2, lastReadyAtMs: 3000 })).start).toBe(0);
    expect(scalePlan(input({ children: 2, lastReadyAtMs: 2000 })).start).toBe(2);
  });

  it('reuses the lowest free child numbers', () => {
    expect(freeChildNumbers(new Set(), 3)).toEqual([1, 2, 3]);
    expect(freeChildNumbers(new Set([1, 3]), 2)).toEqual([2, 4]);
    expect(freeChildNumbers(new Set([1]), 0)).toEqual([]);
  });
});

describe('a child agent', () => {
  it('is ephemeral, slots-only, retires when idle and follows stdin; tokens stay out of argv', () => {
    const args = childArgs({ parentName: 'box', k: 2, url: 'http://cp', slots: 3, idleExitMs: 2500, passThrough: ['--grace', '7'], workdir: '/w/box' });
    expect(args).toEqual(['agent', '--ephemeral', '--slots-only', '--exit-with-stdin', '--idle-exit', '2.5', '--name', 'box-e2', '--url', 'http://cp', '--slots', '3', '--workdir', '/w/box-e2', '--grace', '7']);
    const r = parseCommandLine(COMMANDS, args, '');
    expect(r.kind).toBe('run');
    const cfg = agentConfig({ flags: r.kind === 'run' ? r.inv.flags : {}, env: childEnv({ PATH: '/bin' }, 'ta', 'tc'), cwd: '/', readFile: () => null });
    expect(cfg).toMatchObject({ token: 'ta', clientToken: 'tc', ephemeral: true, slotsOnly: true, exitWithStdin: true, idleExitMs: 2500, slots: 3, name: 'box-e2', graceMs: 7000, supervise: null });
    expect(childEnv({ TITAN_AGENT_TOKEN: 'old', PATH: '/bin' }, 'ta')).toEqual({ TITAN_AGENT_TOKEN: 'ta', PATH: '/bin' });
    expect(childArgs({ parentName: 'b', k: 1, url: 'u', slots: 1, idleExitMs: 60_000 })).not.toContain('--workdir');
  });
});

describe('titan agent elastic flags', () => {
  const run = (...argv: string[]) => {
    const r = parseCommandLine(COMMANDS, ['agent', '--url', 'http://x', '--token', 't', ...argv], '');
    if (r.kind !== 'run') throw new Error('not a run');
    return agentConfig({ flags: r.inv.flags, env: {}, cwd: '/', readFile: () => null });
  };

  it('--supervise with its defaults and overrides', () => {
    expect(run()).toMatchObject({ supervise: null, slotsOnly: false, exitWithStdin: false, idleExitMs: undefined });
    expect(run('--supervise').supervise).toEqual({ maxEphemeral: 2, idleExitMs: 60_000, scaleAfterMs: 5000 });
    const sup = run('--supervise', '--max-ephemeral', '3', '--idle-exit', '2', '--scale-after', '0.5');
    expect(sup.supervise).toEqual({ maxEphemeral: 3, idleExitMs: 2000, scaleAfterMs: 500 });
    expect(sup.idleExitMs).toBeUndefined(); // the supervisor's own agent never retires
    expect(run('--ephemeral', '--idle-exit', '30').idleExitMs).toBe(30_000);
  });

  it('refuses misuse with a usage error (exit 2)', () => {
    expect(() => run('--max-ephemeral', '3')).toThrow(new UsageError('--max-ephemeral needs --supervise'));
    expect(() => run('--scale-after', '1')).toThrow(/--scale-after needs --supervise/);
    expect(() => run('--supervise', '--ephemeral')).toThrow(/--supervise and --ephemeral contradict/);
    expect(() => run('--idle-exit', '5')).toThrow(/permanent agents never retire/);
    expect(() => run('--supervise', '--max-ephemeral', '0')).toThrow(UsageError);
    expect(() => run('--ephemeral', '--idle-exit', '0')).toThrow(UsageError);
  });
});

describe('idle retirement', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('idle time counts only with nothing running and no result waiting to be sent', () => {
    expect(idleFor(5000, 1000, 0, 0)).toBe(4000);
    expect(idleFor(5000, 1000, 1, 0)).toBe(0);
    expect(idleFor(5000, 1000, 0, 1)).toBe(0);
    expect(idleFor(500, 1000, 0, 0)).toBe(0);
    expect(idleCheckEveryMs(2000)).toBe(200);
    expect(idleCheckEveryMs(100)).toBe(50);
    expect(idleCheckEveryMs(3_600_000)).toBe(1000);
  });

  it('retires once, idleExitMs after the last sign of work', () => {
    vi.useFakeTimers();
    let busy = { running: 0, unsent: 0 };
    const retired: number[] = [];
    const w = watchIdle({ idleExitMs: 2000, busy: () => busy, retire: (ms) => retired.push(ms) });
    vi.advanceTimersByTime(1000);
    busy = { running: 1, unsent: 1 };
    vi.advanceTimersByTime(5000); // a long job: never idle
    busy = { running: 0, unsent: 1 }; // its result waiting to be sent
    vi.advanceTimersByTime(3000);
    expect(retired).toEqual([]);
    busy = { running: 0, unsent: 0 };
    vi.advanceTimersByTime(1800);
    expect(retired).toEqual([]);
    vi.advanceTimersByTime(400);
    expect(retired).toHaveLength(1);
    expect(retired[0]).toBeGreaterThanOrEqual(2000);
    vi.advanceTimersByTime(10_000);
    expect(retired).toHaveLength(1);
    w.stop();
  });

  it('a job too short to be sampled still counts as work', () => {
    vi.useFakeTimers();
    const retired: number[] = [];
    const started: string[] = [];
    const w = watchIdle({ idleExitMs: 2000, busy: () => ({ running: 0, unsent: 0 }), retire: (ms) => retired.push(ms) });
    const start = w.tracked((id: string) => void started.push(id));
    vi.advanceTimersByTime(1500);
    start('j1');
    vi.advanceTimersByTime(1500);
    expect(started).toEqual(['j1']);
    expect(retired).toEqual([]);
    vi.advanceTimersByTime(600);
    expect(retired).toHaveLength(1);
    w.stop();
  });

  it('stop() ends the watch without retiring', () => {
    vi.useFakeTimers();
    const retired: number[] = [];
    const w = watchIdle({ idleExitMs: 100, busy: () => ({ running: 0, unsent: 0 }), retire: (ms) => retired.push(ms) });
    w.stop();
    vi.advanceTimersByTime(1000);
    expect(retired).toEqual([]);
  });
});

/**
 * Cron schedules in workerd, driven by the ClusterDO's one alarm: ticks submit the template as new
 * DAGs with TITAN_SCHEDULED_AT, the overlap policy holds against a slow run, a paused schedule does
 * not fire, missed ticks after an outage are skipped or run once, and schedules survive a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScheduleSpecInput } from '../../control-plane/src/contract/schedules';
import { b64, startTestPlane, waitFor, type TestPlane } from '../helpers/controlPlane';

let cp: TestPlane;
beforeAll(async () => {
  cp = await startTestPlane({ SCHEDULE_LATE_MS: '1500' });
});
afterAll(async () => cp?.dispose());

const spec = (cap: string, extra: Partial<ScheduleSpecInput> = {}): ScheduleSpecInput => ({
  cron: '@every 2s',
  dag: { jobs: [{ id: 'extract', file: 'e.py', payloadB64: b64('print(1)'), requirement: cap }, { id: 'load', file: 'l.py', payloadB64: b64('print(2)'), requirement: cap, parents: ['extract'] }] },
  ...extra,
});
const put = (name: string, s: ScheduleSpecInput) => cp.client.call('putSchedule', { params: { name }, body: s });
const get = async (name: string) => (await cp.client.call('getSchedule', { params: { name } })).schedule;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('schedules', () => {
  it('ticks submit the template as new DAGs, each job told its tick; overlap skip holds against a slow run', { timeout: 60_000 }, async () => {
    const s = await put('tick', spec('TICK'));
    expect(s.schedule).toMatchObject({ name: 'tick', cron: '@every 2s', timezone: 'UTC', overlap: 'skip', paused: false, jobs: 2, runs: 0 });
    expect(s.schedule.nextAt).toBeGreaterThan(Date.now());
    // Nothing runs TICK jobs: the first run stays active, so later ticks are skipped.
    const first = await waitFor(async () => (await get('tick')).runs === 1 && (await get('tick')), 10_000);
    expect(first.lastState).toBe('RUNNING');
    const dag = await cp.client.getDag(first.lastDag!);
    const stamp = /^tick-(\d{8}T\d{6})-extract$/.exec(dag.jobs.find((j) => j.id.endsWith('-extract'))!.id)![1];
    expect(dag.jobs.map((j) => j.id).sort()).toEqual([`tick-${stamp}-extract`, `tick-${stamp}-load`]);
    expect(dag.edges).toEqual([[`tick-${stamp}-extract`, `tick-${stamp}-load`]]);
    await waitFor(async () => (await get('tick')).lastNote === 'skipped: the previous run is still going', 10_000);
    expect((await get('tick')).runs).toBe(1);

    // An agent picks the jobs up: TITAN_SCHEDULED_AT is the tick; once the run ends, ticks run again.
    const { agentId } = await cp.agent.registerAgent({ name: 'tick-agent', capabilities: ['TICK'], slots: 4 });
    for (let done = 0; done < 2; ) {
      const { leases } = await cp.agent.lease(agentId, { max: 4, waitMs: 1000 });
      for (const l of leases) {
        expect(l.job.env.TITAN_SCHEDULED_AT).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        expect(l.job.env.TITAN_SCHEDULE).toBe('tick');
        if (l.job.id.startsWith(`tick-${stamp}-`)) done++;
        await cp.agent.complete(agentId, [{ leaseId: l.leaseId, status: 'COMPLETED', exitCode: 0 }]);
      }
    }
    await waitFor(async () => (await get('tick')).runs >= 2, 10_000);
    await cp.client.call('deleteSchedule', { params: { name: 'tick' } });
    await expect(get('tick')).rejects.toThrow(/no schedule tick/);
  });

  it('a paused schedule does not fire; resumed, it does; run now runs at once', { timeout: 30_000 }, async () => {
    await put('paused', spec('PAUSED', { paused: true }));
    expect((await get('paused')).nextAt).toBeNull();
    await sleep(2500);
    expect((await get('paused')).runs).toBe(0);
    const run = await cp.client.call('runSchedule', { params: { name: 'paused' } });
    expect(run.schedule).toMatchObject({ runs: 1, lastNote: 'triggered by hand' });
    expect((await cp.client.getDag(run.dag)).jobs).toHaveLength(2);
    const resumed = await cp.client.call('resumeSchedule', { params: { name: 'paused' } });
    expect(resumed.schedule.paused).toBe(false);
    expect(resumed.schedule.nextAt).not.toBeNull();
    await cp.client.call('pauseSchedule', { params: { name: 'paused' } });
    expect((await cp.client.call('listSchedules', {})).schedules.map((s) => [s.name, s.paused])).toContainEqual(['paused', true]);
  });

  it('after an outage: skip drops the missed ticks, run_once runs one for the lot; schedules survive the restart', { timeout: 60_000 }, async () => {
    await put('skipper', spec('OUTAGE_A', { cron: '@every 2s', missed: 'skip', overlap: 'allow' }));
    await put('catcher', spec('OUTAGE_B', { cron: '@every 2s', missed: 'run_once', overlap: 'allow' }));
    await waitFor(async () => (await get('skipper')).runs >= 1 && (await get('catcher')).runs >= 1, 10_000);
    const t0 = Date.now();
    await cp.restart(6000); // ticks fall due while down, later than SCHEDULE_LATE_MS on return
    const noted = (name: string, prefix: string) =>
      waitFor(async () => {
        const s = await get(name);
        return s.lastNote?.startsWith(prefix) && s;
      }, 10_000, 20);
    const [skipper, catcher] = await Promise.all([noted('skipper', 'skipped'), noted('catcher', 'ran once')]);
    expect(skipper.lastNote).toMatch(/^skipped \d+ missed tick\(s\) after downtime$/);
    expect(catcher.lastNote).toMatch(/^ran once for \d+ missed tick\(s\) after downtime$/);
    // Runs whose tick fell in the outage (from a second after it began to the lot's latest tick).
    const ticksIn = async (name: string, until: number) =>
      (await cp.client.listDags({ limit: 500 })).dags
        .map((d) => /^(\S+) @ (.+)$/.exec(d.name ?? ''))
        .filter((m): m is RegExpExecArray => !!m && m[1] === name)
        .map((m) => Date.parse(m[2]!))
        .filter((t) => t > t0 + 1000 && t <= until);
    expect(await ticksIn('skipper', skipper.lastTickAt!)).toEqual([]);
    expect(await ticksIn('catcher', catcher.lastTickAt!)).toEqual([catcher.lastTickAt]);
    // Both were kept through the restart, and go on ticking on time afterwards.
    const runs = (await get('skipper')).runs;
    await waitFor(async () => (await get('skipper')).runs > runs, 10_000);
    for (const name of ['skipper', 'catcher', 'paused']) await cp.client.call('deleteSchedule', { params: { name } });
  });

  it('refuses what cannot be a schedule, saying why, and stores nothing', async () => {
    await expect(put('bad', spec('X', { cron: '61 * * * *' }))).rejects.toThrow(/minute: 61/);
    await expect(put('bad', spec('X', { cron: '0 3 * * *', timezone: 'Mars/Olympus' }))).rejects.toThrow(/IANA time zone/);
    await expect(put('bad', { cron: '@daily', dag: { jobs: [{ id: 'a', file: 'a.py', payloadB64: b64('x'), parents: ['b'] }] } })).rejects.toThrow(/unknown parent|b/);
    await expect(put('bad name', spec('X'))).rejects.toThrow(/schedule names/);
    await expect(get('bad')).rejects.toThrow(/no schedule bad/);
    await expect(cp.client.call('runSchedule', { params: { name: 'nope' } })).rejects.toThrow(/no schedule nope/);
  });
});

import { resolve } from 'node:path';
import type { ScheduleView } from '../../control-plane/src/contract/schedules';
import { UsageError, type Invocation } from '../args';
import { pipelineDag, readPipeline } from '../pipelineDag';
import type { System } from '../system';
import { printJson, withClient } from './connect';
import { shortDuration, table } from './listViews';

const when = (t: number | null, now: number) => (t === null ? '-' : t >= now ? `in ${shortDuration(t - now)}` : `${shortDuration(now - t)} ago`);

/** `titan schedule ls`: one row per schedule, its next tick and its last run. */
export function schedulesTable(schedules: readonly ScheduleView[], now: number): string {
  return table(
    ['NAME', 'CRON', 'TZ', 'NEXT', 'RUNS', 'LAST', 'LAST RUN', 'NOTE'],
    schedules.map((s) => [s.name, s.cron, s.timezone, s.paused ? 'paused' : when(s.nextAt, now), String(s.runs), when(s.lastTickAt, now), s.lastState ?? '-', s.lastNote ?? '']),
  );
}

/** `titan schedule add FILE.yaml`: the pipeline's top-level `schedule:` (or --cron) becomes a schedule named after it. */
export async function runScheduleAdd(inv: Invocation, sys: System): Promise<number> {
  const file = resolve(sys.cwd, inv.positionals[0]);
  const pipeline = readPipeline(file);
  const cron = (inv.flags.cron as string | undefined) ?? pipeline.schedule;
  if (!cron) throw new UsageError(`${file}: no top-level 'schedule:' (a cron expression) and no --cron`);
  const name = (inv.flags.name as string | undefined) ?? pipeline.name;
  return withClient(inv, sys, async (client) => {
    const dag = await pipelineDag(file, pipeline, client);
    const body = {
      cron,
      dag,
      ...(inv.flags.tz ? { timezone: inv.flags.tz as string } : {}),
      ...(inv.flags.missed ? { missed: inv.flags.missed as 'skip' | 'run_once' } : {}),
      ...(inv.flags.overlap ? { overlap: inv.flags.overlap as 'skip' | 'allow' | 'cancel_previous' } : {}),
      ...(inv.flags.paused ? { paused: true } : {}),
    };
    const { schedule } = await client.call('putSchedule', { params: { name }, body });
    console.log(`schedule ${schedule.name}: ${schedule.cron} (${schedule.timezone}), ${schedule.jobs} job(s), next ${schedule.paused ? 'paused' : when(schedule.nextAt, Date.now())}`);
    return 0;
  });
}

export async function runScheduleList(inv: Invocation, sys: System): Promise<number> {
  return withClient(inv, sys, async (client) => {
    const { schedules } = await client.call('listSchedules', {});
    if (inv.flags.json) printJson(schedules);
    else console.log(schedules.length ? schedulesTable(schedules, Date.now()) : 'no schedules');
    return 0;
  });
}

/** `titan schedule pause|resume|run|rm NAME`. */
export function runScheduleAction(action: 'pause' | 'resume' | 'run' | 'rm') {
  return (inv: Invocation, sys: System): Promise<number> =>
    withClient(inv, sys, async (client) => {
      const params = { name: inv.positionals[0]! };
      if (action === 'rm') {
        await client.call('deleteSchedule', { params });
        console.log(`schedule ${params.name} deleted`);
      } else if (action === 'run') {
        const r = await client.call('runSchedule', { params });
        console.log(`schedule ${params.name}: started ${r.dag}`);
      } else {
        const { schedule } = await client.call(action === 'pause' ? 'pauseSchedule' : 'resumeSchedule', { params });
        console.log(`schedule ${schedule.name}: ${schedule.paused ? 'paused' : `next ${when(schedule.nextAt, Date.now())}`}`);
      }
      return 0;
    });
}

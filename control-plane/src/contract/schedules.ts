import * as z from 'zod';
import { SubmitDagRequest } from './jobs';

/** Schedule names: what users type in `titan schedule pause NAME`, and a prefix of every job id a tick creates. */
export const ScheduleName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'schedule names are letters, digits, _ . - (starting with a letter or digit)');

/**
 * When it fires: a 5-field cron expression (`*\/5 * * * *`), a macro (`@hourly`, `@daily`, …) or an
 * interval (`@every 30s`, `@every 5m`, `@every 2h`). Checked by core/cron when the schedule is saved.
 */
export const CronExpr = z.string().min(1).max(200);

export const MissedPolicy = z.enum(['skip', 'run_once']);
export const OverlapPolicy = z.enum(['skip', 'allow', 'cancel_previous']);

/**
 * A schedule as saved. Each tick submits `dag` as a new DAG, its job ids prefixed with
 * `<name>-<tick>-`, each job told its tick in TITAN_SCHEDULED_AT (ISO 8601).
 */
export const ScheduleSpec = z.object({
  cron: CronExpr,
  /** IANA time zone the cron fields are read in (daylight saving as croner handles it). */
  timezone: z.string().min(1).max(64).default('UTC'),
  /** After downtime that swallowed ticks: `skip` them all, or `run_once` for the lot. */
  missed: MissedPolicy.default('skip'),
  /** A tick while the previous run is still going: `skip` it, `allow` both, or `cancel_previous`. */
  overlap: OverlapPolicy.default('skip'),
  paused: z.boolean().default(false),
  dag: SubmitDagRequest,
});
export type ScheduleSpecInput = z.input<typeof ScheduleSpec>;
export type ScheduleSpec = z.output<typeof ScheduleSpec>;

export const ScheduleView = z.object({
  name: z.string(),
  cron: z.string(),
  timezone: z.string(),
  missed: MissedPolicy,
  overlap: OverlapPolicy,
  paused: z.boolean(),
  jobs: z.number().int(),
  createdAt: z.number(),
  /** The next tick, when not paused. */
  nextAt: z.number().nullable(),
  runs: z.number().int(),
  lastTickAt: z.number().nullable(),
  lastDag: z.string().nullable(),
  /** The last run's DAG as a whole: RUNNING while any job is active, else COMPLETED, FAILED or CANCELLED. */
  lastState: z.string().nullable(),
  /** What the last tick did when it did not start a run (skipped by the overlap policy, …). */
  lastNote: z.string().nullable(),
});
export type ScheduleView = z.output<typeof ScheduleView>;

export const ScheduleResponse = z.object({ schedule: ScheduleView });
export const ScheduleListResponse = z.object({ schedules: z.array(ScheduleView) });
export const RunScheduleResponse = z.object({ schedule: ScheduleView, dag: z.string() });

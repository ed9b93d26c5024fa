/**
 * When a schedule fires. Cron expressions (5 fields, or a macro such as @hourly) are read by croner
 * in the schedule's IANA time zone, daylight saving as croner handles it; `@every 30s|5m|2h|1d`
 * intervals count from the schedule's creation. And what one due tick leads to (planTick). Pure.
 */
import { Cron } from 'croner';

export type Trigger = { kind: 'cron'; expr: string; timezone: string } | { kind: 'every'; ms: number };

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** The trigger of an expression, or why it cannot be one. */
export function parseTrigger(expr: string, timezone: string): { ok: true; trigger: Trigger } | { ok: false; message: string } {
  const e = expr.trim();
  const every = /^@every\s+(\d+)\s*([smhd])$/i.exec(e);
  if (every) {
    const ms = Number(every[1]) * UNIT_MS[every[2]!.toLowerCase() as keyof typeof UNIT_MS];
    if (ms < 1000) return { ok: false, message: `'${e}': an interval must be at least 1s` };
    return { ok: true, trigger: { kind: 'every', ms } };
  }
  if (e.startsWith('@') && !MACROS.has(e.toLowerCase())) return { ok: false, message: `'${e}': unknown macro (use ${[...MACROS].join(', ')} or @every <n>s|m|h|d)` };
  if (!e.startsWith('@') && e.split(/\s+/).length !== 5) return { ok: false, message: `'${e}': a cron expression has 5 fields (minute hour day-of-month month day-of-week)` };
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    return { ok: false, message: `'${timezone}' is not an IANA time zone (e.g. UTC, Europe/Paris, America/New_York)` };
  }
  try {
    const next = new Cron(e, { timezone, paused: true }).nextRun();
    if (!next) return { ok: false, message: `'${e}' never fires` };
  } catch (err) {
    return { ok: false, message: `'${e}': ${(err as Error).message.replace(/^CronPattern: /, '')}` };
  }
  return { ok: true, trigger: { kind: 'cron', expr: e, timezone } };
}

/** The first tick strictly after `after`; intervals count from `anchor`. */
export function nextTick(t: Trigger, after: number, anchor: number): number | null {
  if (t.kind === 'every') return anchor + (Math.floor(Math.max(0, after - anchor) / t.ms) + 1) * t.ms;
  return new Cron(t.expr, { timezone: t.timezone, paused: true }).nextRun(new Date(after))?.getTime() ?? null;
}

/** A tick this late was missed (the control plane was down); an alarm is normally on time to the millisecond. */
export const MISSED_AFTER_MS = 30_000;


export interface TickPlan {
  fire: boolean;
  /** The tick the run stands for (TITAN_SCHEDULED_AT). */
  tickAt: number;
  cancelPrevious: boolean;
  /** Why no run started, or what was done about missed ticks. */
  note: string | null;
  next: number | null;
}

/**
 * A due tick: missed ones (late by more than `lateMs`, SCHEDULE_LATE_MS) are skipped, or run once for the lot
 * (`run_once`, as the latest due tick); then the overlap policy decides against a run still going.
 */
export function planTick(
  t: Trigger,
  s: { nextAt: number; anchor: number; missed: 'skip' | 'run_once'; overlap: 'skip' | 'allow' | 'cancel_previous'; previousActive: boolean },
  now: number,
  lateMs = MISSED_AFTER_MS,
): TickPlan {
  const next = nextTick(t, now, s.anchor);
  let tickAt = s.nextAt;
  let note: string | null = null;
  if (now - s.nextAt > lateMs) {
    let due = 0;
    for (let at: number | null = s.nextAt; at !== null && at <= now && due < 10_000; at = nextTick(t, at, s.anchor)) {
      tickAt = at;
      due++;
    }
    if (s.missed === 'skip') return { fire: false, tickAt, cancelPrevious: false, note: `skipped ${due} missed tick(s) after downtime`, next };
    note = `ran once for ${due} missed tick(s) after downtime`;
  }
  if (s.previousActive && s.overlap === 'skip') return { fire: false, tickAt, cancelPrevious: false, note: 'skipped: the previous run is still going', next };
  return { fire: true, tickAt, cancelPrevious: s.previousActive && s.overlap === 'cancel_previous', note, next };
}

/** The id a tick gives a template job: `<schedule>-<tick as yyyymmddThhmmss>-<job id>`. */
export function tickJobId(schedule: string, tickAt: number, jobId: string): string {
  const stamp = new Date(tickAt).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '');
  return `${schedule}-${stamp}-${jobId}`;
}

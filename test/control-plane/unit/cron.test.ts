import { describe, expect, it } from 'vitest';
import { MISSED_AFTER_MS, nextTick, parseTrigger, planTick, tickJobId, type Trigger } from '../../../control-plane/src/core/cron';

const trigger = (expr: string, tz = 'UTC'): Trigger => {
  const r = parseTrigger(expr, tz);
  if (!r.ok) throw new Error(r.message);
  return r.trigger;
};
const at = (iso: string) => Date.parse(iso);

describe('triggers', () => {
  it('reads 5-field cron in a time zone (daylight saving included), macros and @every intervals', () => {
    expect(new Date(nextTick(trigger('0 3 * * *', 'Europe/Paris'), at('2026-03-28T12:00:00Z'), 0)!).toISOString()).toBe('2026-03-29T01:00:00.000Z'); // CEST starts that night
    expect(new Date(nextTick(trigger('0 3 * * *', 'Europe/Paris'), at('2026-03-27T12:00:00Z'), 0)!).toISOString()).toBe('2026-03-28T02:00:00.000Z');
    expect(new Date(nextTick(trigger('@hourly'), at('2026-01-01T00:30:00Z'), 0)!).toISOString()).toBe('2026-01-01T01:00:00.000Z');
    expect(nextTick(trigger('@every 30s'), 1_000 + 29_999, 1_000)).toBe(31_000);
    expect(nextTick(trigger('@every 30s'), 31_000, 1_000)).toBe(61_000);
    expect(nextTick(trigger('@every 2m'), 0, 0)).toBe(120_000);
  });
  it('refuses what is not a schedule, saying why', () => {
    expect(parseTrigger('61 * * * *', 'UTC')).toMatchObject({ ok: false, message: expect.stringMatching(/minute: 61/) });
    expect(parseTrigger('* * * *', 'UTC')).toMatchObject({ ok: false, message: expect.stringMatching(/5 fields/) });
    expect(parseTrigger('*/5 * * * * *', 'UTC')).toMatchObject({ ok: false, message: expect.stringMatching(/5 fields/) });
    expect(parseTrigger('@reboot', 'UTC')).toMatchObject({ ok: false, message: expect.stringMatching(/unknown macro/) });
    expect(parseTrigger('@every 0s', 'UTC')).toMatchObject({ ok: false });
    expect(parseTrigger('0 3 * * *', 'Mars/Olympus')).toMatchObject({ ok: false, message: expect.stringMatching(/IANA time zone/) });
  });
});

describe('planTick', () => {
  const every = trigger('@every 10s');
  const base = { anchor: 0, missed: 'skip' as const, overlap: 'skip' as const, previousActive: false };
  it('fires a tick on time and plans the next one', () => {
    expect(planTick(every, { ...base, nextAt: 10_000 }, 10_003)).toEqual({ fire: true, tickAt: 10_000, cancelPrevious: false, note: null, next: 20_000 });
  });
  it('after downtime: skip drops every missed tick; run_once runs one for the lot, as the latest', () => {
    const now = 10_000 + MISSED_AFTER_MS + 25_000; // ticks 10 s … 60 s were due
    expect(planTick(every, { ...base, nextAt: 10_000 }, now)).toMatchObject({ fire: false, note: 'skipped 6 missed tick(s) after downtime', next: 70_000 });
    expect(planTick(every, { ...base, missed: 'run_once', nextAt: 10_000 }, now)).toMatchObject({ fire: true, tickAt: 60_000, note: 'ran once for 6 missed tick(s) after downtime' });
  });
  it('overlap: skip, allow, or cancel the run still going', () => {
    const busy = { ...base, nextAt: 10_000, previousActive: true };
    expect(planTick(every, busy, 10_001)).toMatchObject({ fire: false, note: 'skipped: the previous run is still going' });
    expect(planTick(every, { ...busy, overlap: 'allow' }, 10_001)).toMatchObject({ fire: true, cancelPrevious: false });
    expect(planTick(every, { ...busy, overlap: 'cancel_previous' }, 10_001)).toMatchObject({ fire: true, cancelPrevious: true });
  });
  it('names a tick’s jobs after the schedule and the tick', () => {
    expect(tickJobId('nightly', at('2026-11-30T03:00:00Z'), 'extract')).toBe('nightly-20261130T030000-extract');
  });
});

import { describe, expect, it } from 'vitest';
import type { ScheduleView } from '../../control-plane/src/contract/schedules';
import { confirmDelete, formatUntil, nextTick, outcomeText, rowActions, schedulesTable, tableKey } from '../../control-plane/src/dashboard/app/schedules';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const sched = (over: Partial<ScheduleView> = {}): ScheduleView => ({
  name: 'nightly', cron: '0 3 * * *', timezone: 'Europe/Paris', missed: 'skip', overlap: 'skip', paused: false, jobs: 2, createdAt: NOW - 86_400_000,
  nextAt: NOW + 90_000, runs: 4, lastTickAt: NOW - 120_000, lastDag: 'DAG-abc', lastState: 'COMPLETED', lastNote: null, ...over,
});

describe('formatUntil', () => {
  it('counts down in the largest sensible unit, and a due tick reads as such', () => {
    expect(formatUntil(NOW + 4_200, NOW)).toBe('in 5s');
    expect(formatUntil(NOW + 59_000, NOW)).toBe('in 59s');
    expect(formatUntil(NOW + 90_000, NOW)).toBe('in 1m');
    expect(formatUntil(NOW + 2 * 3600_000 + 5 * 60_000, NOW)).toBe('in 2h 05m');
    expect(formatUntil(NOW + 3 * 86_400_000, NOW)).toBe('in 3d');
    expect(formatUntil(NOW, NOW)).toBe('due now');
    expect(formatUntil(NOW - 500, NOW)).toBe('due now');
  });
});

describe('nextTick', () => {
  it('is relative and absolute while active, nothing while paused', () => {
    expect(nextTick(sched(), NOW, 'en-GB')).toEqual({ relative: 'in 1m', absolute: new Date(NOW + 90_000).toLocaleString('en-GB'), iso: '2025-01-15T12:01:30.000Z' });
    expect(nextTick(sched({ paused: true, nextAt: null }), NOW)).toBeNull();
    expect(nextTick(sched({ paused: true }), NOW)).toBeNull();
  });
});

describe('actions', () => {
  it('offers Pause or Resume by state, always Run now and Delete', () => {
    expect(rowActions({ paused: false })).toEqual(['pause', 'run', 'delete']);
    expect(rowActions({ paused: true })).toEqual(['resume', 'run', 'delete']);
  });
  it('says what each did, and what Delete will do before it does', () => {
    expect(confirmDelete('nightly')).toMatch(/^Delete schedule nightly\?.*runs it already made stay/);
    expect(outcomeText('run', 'nightly', { dag: 'DAG-1' }, NOW)).toBe('Schedule nightly: started DAG-1.');
    expect(outcomeText('pause', 'nightly', { schedule: sched({ paused: true }) }, NOW)).toBe('Schedule nightly paused.');
    expect(outcomeText('resume', 'nightly', { schedule: sched() }, NOW)).toBe('Schedule nightly resumed: next tick in 1m.');
    expect(outcomeText('delete', 'nightly', {}, NOW)).toBe('Schedule nightly deleted.');
  });
});

describe('schedulesTable', () => {
  it('shows the next tick, the last run as a link with its state, and escapes what users typed', () => {
    const out = schedulesTable([sched({ lastNote: '<b>skipped</b>' })], NOW).text;
    expect(out).toContain('data-schedule="nightly"');
    expect(out).toContain('in 1m');
    expect(out).toContain('title="2025-01-15T12:01:30.000Z"');
    expect(out).toContain('<a href="#/dags/DAG-abc" class="dag-link">DAG-abc</a>');
    expect(out).toContain('badge st-COMPLETED');
    expect(out).toContain('2m ago');
    expect(out).toContain('&#60;b&#62;skipped&#60;/b&#62;');
    expect(out).not.toContain('<b>skipped');
    expect(out).toContain('data-action="pause"');
    expect(out).not.toContain('data-action="resume"');
  });
  it('marks a paused schedule and offers Resume; a schedule that never ran shows dashes', () => {
    const out = schedulesTable([sched({ paused: true, nextAt: null, runs: 0, lastTickAt: null, lastDag: null, lastState: null })], NOW).text;
    expect(out).toContain('class="schedule paused"');
    expect(out).toContain('data-action="resume"');
    expect(out).toMatch(/sched-last">–/);
  });
});

describe('tableKey', () => {
  it('changes when the shown countdown changes, not on every poll', () => {
    const s = [sched({ nextAt: NOW + 3 * 3600_000 + 30_000 })];
    expect(JSON.stringify(tableKey(s, NOW))).toBe(JSON.stringify(tableKey(s, NOW + 1000)));
    const soon = [sched({ nextAt: NOW + 10_000 })];
    expect(JSON.stringify(tableKey(soon, NOW))).not.toBe(JSON.stringify(tableKey(soon, NOW + 1000)));
  });
});

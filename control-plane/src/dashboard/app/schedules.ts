/**
 * The Schedules page, pure: how a schedule's next tick, last run and actions read, and the table.
 * No DOM here (only the `html` template), so it is unit-tested in plain Node.
 */
import type { ScheduleView } from '../../contract/schedules';
import { badge, dagHref } from './format';
import { html, type Html } from './html';
import { formatAgo } from './layout';

/** Actions on a row, each one route of the contract. */
export type ScheduleAction = 'pause' | 'resume' | 'run' | 'delete';
export const ACTION_ROUTE = { pause: 'pauseSchedule', resume: 'resumeSchedule', run: 'runSchedule', delete: 'deleteSchedule' } as const;

/** `in 5s`, `in 12m`, `in 3h`, `in 2d`; a tick already due (the alarm is about to fire) reads `due now`. */
export function formatUntil(ts: number, now: number): string {
  const s = Math.ceil((ts - now) / 1000);
  if (s <= 0) return 'due now';
  if (s < 60) return `in ${s}s`;
  if (s < 3600) return `in ${Math.floor(s / 60)}m`;
  if (s < 86_400) return `in ${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `in ${Math.floor(s / 86_400)}d`;
}

/** The next tick as the page shows it: relative, and absolute in the reader's locale (the ISO form for the tooltip). */
export function nextTick(s: Pick<ScheduleView, 'paused' | 'nextAt'>, now: number, locale?: string): { relative: string; absolute: string; iso: string } | null {
  if (s.paused || s.nextAt === null) return null;
  return { relative: formatUntil(s.nextAt, now), absolute: new Date(s.nextAt).toLocaleString(locale), iso: new Date(s.nextAt).toISOString() };
}

/** What a row's buttons offer: Pause or Resume (never both), Run now and Delete always. */
export const rowActions = (s: Pick<ScheduleView, 'paused'>): ScheduleAction[] => [s.paused ? 'resume' : 'pause', 'run', 'delete'];

export const ACTION_LABEL: Record<ScheduleAction, string> = { pause: 'Pause', resume: 'Resume', run: 'Run now', delete: 'Delete' };

export const confirmDelete = (name: string) => `Delete schedule ${name}? It stops ticking; the runs it already made stay.`;

/** The line shown after an action succeeded. */
export function outcomeText(action: ScheduleAction, name: string, after: { schedule?: ScheduleView; dag?: string }, now: number): string {
  switch (action) {
    case 'delete':
      return `Schedule ${name} deleted.`;
    case 'run':
      return `Schedule ${name}: started ${after.dag}.`;
    case 'pause':
      return `Schedule ${name} paused.`;
    case 'resume': {
      const next = after.schedule && nextTick(after.schedule, now);
      return `Schedule ${name} resumed${next ? `: next tick ${next.relative}` : ''}.`;
    }
  }
}

/**
 * What changes what the table shows: the data and the relative times (their text, so a table whose
 * next tick is hours away is not redrawn every second and its buttons keep focus).
 */
export const tableKey = (schedules: readonly ScheduleView[], now: number) =>
  schedules.map((s) => [s, nextTick(s, now)?.relative ?? null, s.lastTickAt === null ? null : formatAgo(s.lastTickAt, now)]);

function nextCell(s: ScheduleView, now: number): Html {
  const next = nextTick(s, now);
  if (!next) return html`<span class="muted">${s.paused ? 'paused' : '–'}</span>`;
  return html`<span class="sched-rel">${next.relative}</span><br><small class="muted" title="${next.iso}">${next.absolute}</small>`;
}

function lastRunCell(s: ScheduleView): Html {
  if (!s.lastDag) return html`–`;
  return html`<a href="${dagHref(s.lastDag)}" class="dag-link">${s.lastDag}</a>${s.lastState ? html` ${badge(s.lastState)}` : ''}`;
}

export function schedulesTable(schedules: readonly ScheduleView[], now: number): Html {
  return html`<table><tr><th>Name</th><th>Cron</th><th>Time zone</th><th>Next tick</th><th>Paused</th><th>Runs</th><th>Last tick</th><th>Last run</th><th>Last note</th><th></th></tr>${schedules.map(
    (s) => html`<tr class="schedule${s.paused ? ' paused' : ''}" data-schedule="${s.name}"><td><strong>${s.name}</strong><br><small class="muted">${s.jobs} job${s.jobs === 1 ? '' : 's'}, missed ${s.missed}, overlap ${s.overlap}</small></td>
      <td class="sched-cron"><code>${s.cron}</code></td><td>${s.timezone}</td><td class="sched-next">${nextCell(s, now)}</td><td class="sched-paused">${s.paused ? 'yes' : 'no'}</td>
      <td class="sched-runs">${s.runs}</td><td>${s.lastTickAt === null ? '–' : html`<span title="${new Date(s.lastTickAt).toISOString()}">${formatAgo(s.lastTickAt, now)}</span>`}</td>
      <td class="sched-last">${lastRunCell(s)}</td><td class="sched-note">${s.lastNote ?? ''}</td>
      <td class="sched-actions">${rowActions(s).map((a) => html`<button type="button" class="sched-${a}" data-action="${a}">${ACTION_LABEL[a]}</button> `)}</td></tr>`,
  )}</table>`;
}

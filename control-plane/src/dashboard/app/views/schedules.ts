/** Schedules (cron): each with its next tick and last run, and Pause/Resume, Run now, Delete. */
import { AuthError } from '../api';
import { memo } from '../changes';
import { byId, closest, say } from '../dom';
import { errorText } from '../format';
import { html, setHtml } from '../html';
import { ACTION_LABEL, ACTION_ROUTE, confirmDelete, outcomeText, schedulesTable, tableKey, type ScheduleAction } from '../schedules';
import type { ViewFactory } from '../view';

export const schedulesView: ViewFactory = (root, { api, tick }) => {
  setHtml(
    root,
    html`<h2>Schedules</h2><p class="muted">Add one with <code>titan schedule add FILE.yaml</code> (a pipeline with a top-level <code>schedule:</code>).</p>
      <p id="schedules-result" role="status"></p><div id="schedules" class="scroll"></div>`,
  );
  const changed = memo();
  let busy = false;

  async function act(name: string, action: ScheduleAction): Promise<void> {
    const result = byId('schedules-result');
    try {
      const after = await api.call(ACTION_ROUTE[action], { params: { name } });
      say(result, outcomeText(action, name, after as Parameters<typeof outcomeText>[2], Date.now()), true);
    } catch (e) {
      if (!(e instanceof AuthError)) say(result, `${ACTION_LABEL[action]} ${name} failed: ${errorText(e)}`, false);
    }
  }

  root.addEventListener('click', async (ev) => {
    const btn = closest(ev, 'button[data-action]');
    const row = btn?.closest<HTMLElement>('tr[data-schedule]');
    if (!btn || !row || busy) return;
    const name = row.dataset.schedule!;
    const action = btn.dataset.action as ScheduleAction;
    if (action === 'delete' && !confirm(confirmDelete(name))) return;
    busy = true;
    btn.disabled = true;
    try {
      await act(name, action);
    } finally {
      busy = false;
    }
    await tick();
  });

  return {
    async refresh() {
      const { schedules } = await api.call('listSchedules', {});
      const now = Date.now();
      if (!changed(tableKey(schedules, now))) return;
      setHtml(byId('schedules'), schedules.length ? schedulesTable(schedules, now) : html`<p class="muted">No schedules.</p>`);
    },
  };
};

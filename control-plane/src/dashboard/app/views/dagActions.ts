/** The DAG page's Cancel DAG and Retry failed part buttons: each asks first, then shows what it did. */
import type { DagView } from '../../../contract/jobs';
import { AuthError } from '../api';
import { ACTION_LABEL, confirmText, dagActionTargets, outcomeText, type DagAction } from '../dagActions';
import { closest, say } from '../dom';
import { errorText } from '../format';
import { html, setHtml } from '../html';
import type { ViewContext } from '../view';

const ROUTE = { cancel: 'cancelDag', retry: 'retryDag' } as const;

export function dagActions(el: HTMLElement, { api, tick }: ViewContext, dagId: string): { update(dag: DagView): void } {
  setHtml(
    el,
    html`<button type="button" id="dag-cancel-btn" data-dag-action="cancel" disabled>${ACTION_LABEL.cancel}</button>
      <button type="button" id="dag-retry-btn" data-dag-action="retry" disabled>${ACTION_LABEL.retry}</button>
      <span id="dag-action-result" role="status"></span>`,
  );
  const buttons = [...el.querySelectorAll<HTMLButtonElement>('button[data-dag-action]')];
  const result = el.querySelector<HTMLElement>('#dag-action-result')!;
  let dag: DagView | null = null;
  let busy = false;

  function enable(): void {
    const targets = dagActionTargets(dag?.jobs ?? []);
    for (const b of buttons) {
      const n = targets[b.dataset.dagAction as DagAction].length;
      b.disabled = busy || n === 0;
      b.title = n ? '' : b.dataset.dagAction === 'cancel' ? 'Every job has ended' : 'No job failed or was cancelled';
    }
  }

  el.addEventListener('click', async (ev) => {
    const btn = closest(ev, 'button[data-dag-action]');
    if (!btn || !dag || busy) return;
    const action = btn.dataset.dagAction as DagAction;
    const before = dag;
    if (!confirm(confirmText(action, before.name ?? before.id, dagActionTargets(before.jobs)[action]))) return;
    busy = true;
    enable();
    try {
      const after = await api.call(ROUTE[action], { params: { id: dagId } });
      say(result, outcomeText(action, before.jobs, after.jobs), true);
    } catch (e) {
      if (!(e instanceof AuthError)) say(result, `${ACTION_LABEL[action]} failed: ${errorText(e)}`, false);
    } finally {
      busy = false;
      enable();
    }
    await tick();
  });

  return {
    update(next) {
      dag = next;
      enable();
    },
  };
}

/** DAG runs, newest first, with their jobs counted by status. */
import { memo } from '../changes';
import { byId } from '../dom';
import { countsChips, dagHref, time } from '../format';
import { html, setHtml } from '../html';
import { formatAgo } from '../layout';
import type { ViewFactory } from '../view';

export const dagListView: ViewFactory = (root, { api }) => {
  setHtml(root, html`<h2>DAG runs</h2><div id="dag-list" class="scroll"></div>`);
  const changed = memo();
  return {
    async refresh() {
      const { dags } = await api.call('listDags', {});
      const now = Date.now();
      if (!changed([dags, Math.floor(now / 10_000)])) return;
      setHtml(
        byId('dag-list'),
        dags.length
          ? html`<table><tr><th>Name</th><th>Id</th><th>Submitted</th><th>Jobs</th></tr>${dags.map(
              (d) => html`<tr><td><a class="dag-link" href="${dagHref(d.id)}">${d.name ?? '(unnamed)'}</a></td><td><code>${d.id}</code></td>
                  <td title="${time(d.createdAt)}">${formatAgo(d.createdAt, now)}</td><td>${countsChips(d.counts)}</td></tr>`,
            )}</table>`
          : html`<p class="muted">No DAG has been submitted yet.</p>`,
      );
    },
  };
};

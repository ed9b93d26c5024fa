/** Approvals: jobs waiting in WAITING_APPROVAL (native gates, the original SDK's hitl gates too), with Approve / Reject. */
import { AuthError } from '../api';
import { memo } from '../changes';
import { byId, closest, say } from '../dom';
import { dagHref, errorText, jobHref } from '../format';
import { html, setHtml } from '../html';
import { formatAgo } from '../layout';
import type { ViewFactory } from '../view';
import type { JobView } from '../../../contract/jobs';

/** A waiting job's time limit is its ready_at (readyAt): past it, it is rejected. */
const timesOut = (j: JobView) => (j.readyAt === null ? 'never' : new Date(j.readyAt).toLocaleString());

export function approvalsTable(jobs: readonly JobView[], now: number) {
  return html`<table><tr><th>Job</th><th>Asks</th><th>DAG</th><th>Submitted</th><th>Times out</th><th>Reason (optional)</th><th></th></tr>${jobs.map(
    (j) => html`<tr class="gate" data-job="${j.id}"><td><a href="${jobHref(j.id)}"><code>${j.id}</code></a>${j.type === 'GATE' ? html` <small class="muted">gate</small>` : ''}</td>
      <td>${j.approval?.message ?? ''}</td><td>${j.dag ? html`<a href="${dagHref(j.dag)}">${j.dag}</a>` : '–'}</td><td>${formatAgo(j.createdAt, now)}</td><td>${timesOut(j)}</td>
      <td><input class="reason" aria-label="reason for ${j.id}" maxlength="2000"></td>
      <td><button type="button" class="approve" data-decision="approveJob">Approve</button>
      <button type="button" class="reject" data-decision="rejectJob">Reject</button></td></tr>`,
  )}</table>`;
}

export const approvalsView: ViewFactory = (root, ctx) => {
  setHtml(root, html`<h2>Approvals</h2><p id="approval-result" role="status"></p><section><h3>Jobs waiting for approval</h3><div id="approval-jobs"></div></section>`);
  const changed = memo();
  async function decide(id: string, route: 'approveJob' | 'rejectJob', reason: string): Promise<void> {
    try {
      const { job } = await ctx.api.call(route, { params: { id }, body: { by: 'dashboard', ...(reason ? { reason } : {}) } });
      say(byId('approval-result'), `${id}: ${route === 'approveJob' ? 'approved' : 'rejected'} (now ${job.status})`, true);
    } catch (e) {
      if (!(e instanceof AuthError)) say(byId('approval-result'), `Could not decide ${id}: ${errorText(e)}`, false);
    }
    await ctx.tick();
  }
  root.addEventListener('click', (ev) => {
    const btn = closest(ev, 'button[data-decision]');
    const row = btn?.closest<HTMLElement>('tr[data-job]');
    if (!btn || !row) return;
    const reason = row.querySelector<HTMLInputElement>('input.reason')?.value.trim() ?? '';
    void decide(row.dataset.job!, btn.dataset.decision as 'approveJob' | 'rejectJob', reason);
  });
  return {
    async refresh() {
      const { jobs } = await ctx.api.call('listJobs', { query: { state: 'WAITING_APPROVAL', limit: 500 } });
      if (!changed(jobs.map((j) => [j.id, j.run, j.state]))) return;
      setHtml(byId('approval-jobs'), jobs.length ? approvalsTable(jobs, Date.now()) : html`<p class="muted">None.</p>`);
    },
  };
};

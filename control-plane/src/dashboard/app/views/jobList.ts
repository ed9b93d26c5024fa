/** Jobs, newest first, filterable by scheduler state. */
import { JobState, type JobView } from '../../../contract/jobs';
import { clock, memo } from '../changes';
import { byId } from '../dom';
import { badge, dagHref, jobHref } from '../format';
import { html, setHtml } from '../html';
import { formatAgo, formatDuration, jobDurationMs } from '../layout';
import type { ViewFactory } from '../view';

export const jobListView: ViewFactory = (root, { api, tick }) => {
  setHtml(
    root,
    html`<h2>Jobs</h2><label>State <select id="job-filter"><option value="">all</option>${JobState.options.map((s) => html`<option>${s}</option>`)}</select></label>
      <div id="job-list" class="scroll"></div>`,
  );
  const filter = byId<HTMLSelectElement>('job-filter');
  filter.addEventListener('change', () => void tick());
  const changed = memo();
  return {
    async refresh() {
      const state = JobState.safeParse(filter.value).data;
      const { jobs } = await api.call('listJobs', { query: { limit: 200, state } });
      const now = Date.now();
      if (!changed([jobs, state, clock(jobs, now)])) return;
      setHtml(byId('job-list'), jobs.length ? jobTable(jobs, now) : html`<p class="muted">No jobs.</p>`);
    },
  };
};

/** The job table of the jobs page, also used for jobs waiting on approval. */
export function jobTable(jobs: readonly JobView[], now: number) {
  return html`<table><tr><th>Id</th><th>Status</th><th>Type</th><th>Needs</th><th>DAG</th><th>Tries</th><th>Duration</th><th>Submitted</th></tr>${jobs.map(
    (j) => html`<tr><td><a href="${jobHref(j.id)}"><code>${j.id}</code></a></td><td>${badge(j.status)}</td><td>${j.type}</td>
          <td>${j.requirement}</td><td>${j.dag ? html`<a href="${dagHref(j.dag)}">${j.dag}</a>` : '–'}</td><td>${j.attempts}</td>
          <td>${formatDuration(jobDurationMs(j, now))}</td><td>${formatAgo(j.createdAt, now)}</td></tr>`,
  )}</table>`;
}

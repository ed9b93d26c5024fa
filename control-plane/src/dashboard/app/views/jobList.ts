/**
 * Jobs, newest first: a page of 200 at a time out of all that match, searched by id, agent or
 * capability and filtered by scheduler state. The address keeps the query (see ../jobsQuery.ts).
 */
import { JobState, type JobView } from '../../../contract/jobs';
import { clock, memo } from '../changes';
import { byId, closest } from '../dom';
import { badge, dagHref, jobHref } from '../format';
import { html, setHtml } from '../html';
import { clampOffset, jobsHash, listJobsQuery, pageLinks, pageSummary, parseJobsHash, type JobsQuery } from '../jobsQuery';
import { formatAgo, formatDuration, jobDurationMs } from '../layout';
import type { ViewFactory } from '../view';

/** Typing settles this long before the search runs, so each keystroke does not fetch. */
const SEARCH_SETTLE_MS = 250;

export const jobListView: ViewFactory = (root, { api, tick }) => {
  const query: JobsQuery = parseJobsHash(location.hash);
  setHtml(
    root,
    html`<h2>Jobs</h2>
      <form id="job-search-form" class="inline" role="search">
        <label>Search <input id="job-search" type="search" autocomplete="off" placeholder="id, agent or capability" value="${query.q}"></label>
        <label>State <select id="job-filter"><option value="">all</option>${JobState.options.map((s) => html`<option${s === query.state && ' selected'}>${s}</option>`)}</select></label>
      </form>
      <div class="actions pager"><span id="job-count" role="status"></span>
        <button type="button" id="job-prev" data-page="prev" disabled>‹ Newer</button><button type="button" id="job-next" data-page="next" disabled>Older ›</button></div>
      <div id="job-list" class="scroll"></div>`,
  );
  const search = byId<HTMLInputElement>('job-search');
  const filter = byId<HTMLSelectElement>('job-filter');
  let links = { prev: null as number | null, next: null as number | null };
  let settle: ReturnType<typeof setTimeout> | undefined;

  /** Take a new query: into the address (without a history entry per keystroke) and onto the page. */
  function apply(change: Partial<JobsQuery>): void {
    Object.assign(query, change);
    history.replaceState(null, '', jobsHash(query));
    void tick();
  }
  byId('job-search-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearTimeout(settle);
    apply({ q: search.value, offset: 0 });
  });
  search.addEventListener('input', () => {
    clearTimeout(settle);
    settle = setTimeout(() => apply({ q: search.value, offset: 0 }), SEARCH_SETTLE_MS);
  });
  filter.addEventListener('change', () => apply({ state: JobState.safeParse(filter.value).data, offset: 0 }));
  root.addEventListener('click', (ev) => {
    const to = links[closest(ev, 'button[data-page]')?.dataset.page as 'prev' | 'next'];
    if (to === null || to === undefined) return;
    apply({ offset: to });
    byId('job-count').scrollIntoView({ block: 'nearest' });
  });

  const changed = memo();
  return {
    async refresh() {
      let page = await api.call('listJobs', { query: listJobsQuery(query) });
      const offset = clampOffset(query.offset, page.total);
      if (offset !== query.offset) {
        query.offset = offset;
        history.replaceState(null, '', jobsHash(query));
        page = await api.call('listJobs', { query: listJobsQuery(query) });
      }
      const { jobs, total } = page;
      const now = Date.now();
      if (!changed([jobs, total, query, clock(jobs, now)])) return;
      links = pageLinks(query.offset, total);
      byId<HTMLButtonElement>('job-prev').disabled = links.prev === null;
      byId<HTMLButtonElement>('job-next').disabled = links.next === null;
      byId('job-count').textContent = pageSummary(query.offset, jobs.length, total);
      setHtml(byId('job-list'), jobs.length ? jobTable(jobs, now) : html`<p class="muted">${query.q || query.state ? 'No job matches.' : 'No jobs.'}</p>`);
    },
    dispose() {
      clearTimeout(settle);
    },
  };
};

/** The job table of the jobs page, also used for jobs waiting on approval. */
export function jobTable(jobs: readonly JobView[], now: number) {
  return html`<table><tr><th>Id</th><th>Status</th><th>Type</th><th>Needs</th><th>Agent</th><th>DAG</th><th>Tries</th><th>Duration</th><th>Submitted</th></tr>${jobs.map(
    (j) => html`<tr class="job-row" data-job-id="${j.id}"><td><a href="${jobHref(j.id)}"><code>${j.id}</code></a></td><td>${badge(j.status)}</td><td>${j.type}</td>
          <td>${j.requirement}</td><td>${j.node ?? '–'}</td><td>${j.dag ? html`<a href="${dagHref(j.dag)}">${j.dag}</a>` : '–'}</td><td>${j.attempts}</td>
          <td>${formatDuration(jobDurationMs(j, now))}</td><td>${formatAgo(j.createdAt, now)}</td></tr>`,
  )}</table>`;
}

/**
 * One job: its fields (resource asks and the GPUs it held among them) and status history,
 * Cancel / Retry / Stop, and its log. An id the control plane does not know gets a page that
 * says so, with its buttons disabled, and polls no more (until "Check again").
 */
import type { JobView } from '../../../contract/jobs';
import { AuthError } from '../api';
import { clock, memo } from '../changes';
import { byId, say } from '../dom';
import { badge, dagHref, errorText, jobHref, time } from '../format';
import { html, setHtml, type Html } from '../html';
import { jobButtons, isUnknownJob } from '../jobPage';
import { formatDuration, jobDurationMs } from '../layout';
import { askText, assignedHtml } from '../resources';
import type { ViewFactory } from '../view';
import { createLogTail, type LogTail } from './jobLog';

/** Each button of the page, the route it calls and how its outcome reads. */
const ACTIONS = [
  { button: 'cancel-btn', route: 'cancelJob', label: 'Cancel' },
  { button: 'retry-btn', route: 'retryJob', label: 'Retry' },
  { button: 'stop-btn', route: 'stopService', label: 'Stop' },
] as const;

export const jobView: ViewFactory = (root, ctx, jobId) => {
  setHtml(
    root,
    html`<h2>Job <code>${jobId}</code> <span id="job-status" class="badge"></span></h2>
      <div class="actions"><button id="cancel-btn" type="button" disabled>Cancel</button><button id="retry-btn" type="button" disabled>Retry</button>
        <button id="stop-btn" type="button" hidden>Stop service</button><span id="action-result" role="status"></span></div>
      <div id="job-missing" class="missing" role="alert" hidden>
        <p><b>No job <code>${jobId}</code>.</b> The control plane does not know this id: it was never submitted, or it ended
          long enough ago to be forgotten. This page has stopped checking.</p>
        <p><a href="#/jobs">All jobs</a> · <button type="button" id="job-recheck">Check again</button></p></div>
      <div id="job-body"><div class="cols"><section><h3>Fields</h3><dl id="job-fields"></dl></section><section><h3>Status history</h3><ol id="job-history"></ol></section></div>
        <section id="job-log"></section></div>`,
  );
  const statusEl = byId('job-status');
  const result = byId('action-result');
  let log: LogTail | null = null; // made with the first answer: an unknown job opens no stream
  let unknown = false;
  let changed = memo();

  function showButtons(job: JobView | null): void {
    const b = jobButtons(job);
    byId<HTMLButtonElement>('cancel-btn').disabled = !b.cancel;
    byId<HTMLButtonElement>('retry-btn').disabled = !b.retry;
    byId('stop-btn').hidden = !b.stop;
  }

  function showUnknown(on: boolean): void {
    unknown = on;
    byId('job-missing').hidden = !on;
    byId('job-body').hidden = on;
    if (!on) return;
    statusEl.textContent = 'UNKNOWN';
    statusEl.className = 'badge';
    showButtons(null);
    changed = memo(); // should the job turn up after all, draw it in full
  }

  for (const { button, route, label } of ACTIONS) {
    byId(button).addEventListener('click', async () => {
      say(result, `${label}…`, true);
      try {
        const { job } = await ctx.api.call(route, { params: { id: jobId } });
        say(result, `${label}: done — job is ${job.status}${job.state !== job.status ? ` (${job.state})` : ''}`, true);
      } catch (e) {
        if (!(e instanceof AuthError)) say(result, `${label} failed: ${errorText(e)}`, false);
      }
      await ctx.tick();
    });
  }
  byId('job-recheck').addEventListener('click', () => {
    unknown = false;
    void ctx.tick();
  });

  return {
    async refresh() {
      if (unknown) return; // nothing to poll for: the reader asks again with "Check again"
      let job: JobView;
      try {
        ({ job } = await ctx.api.call('getJob', { params: { id: jobId } }));
      } catch (e) {
        if (!isUnknownJob(e)) throw e;
        showUnknown(true);
        return;
      }
      if (byId('job-body').hidden) showUnknown(false);
      log ??= createLogTail(byId('job-log'), jobId, ctx);
      log.follow(job.run);
      const now = Date.now();
      if (!changed([job, clock([job], now)])) return;
      statusEl.textContent = job.status;
      statusEl.className = `badge st-${job.status}`;
      statusEl.title = `scheduler state: ${job.state}`;
      showButtons(job);
      setHtml(byId('job-fields'), html`${fields(job, now).map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}`);
      setHtml(
        byId('job-history'),
        html`${(job.history ?? []).map((h) => html`<li><time>${new Date(h.ts).toLocaleTimeString()}</time> ${badge(h.state)} ${h.note ?? ''}</li>`)}`,
      );
    },
    dispose: () => log?.dispose(),
  };
};

const links = (ids: readonly string[]) => html`${ids.map((p, i) => html`${i > 0 && ', '}<a href="${jobHref(p)}">${p}</a>`)}`;

/** The rows of the Fields list: label and value (text, or markup built with `html`). */
function fields(job: JobView, now: number): [string, string | number | Html][] {
  const rows: [string, string | number | Html][] = [
    ['State', `${job.state} (shown as ${job.status})`],
    ['Run', job.run],
    ['DAG', job.dag ? html`<a href="${dagHref(job.dag)}">${job.dag}</a>` : '–'],
    ['Type', job.type],
    ['File', html`<code>${job.file}</code>${job.archive && ` in ${job.archive}`}${job.script && ` (script ${job.script})`}`],
    ['Args', job.args.length ? html`${job.args.map((a, i) => html`${i > 0 && ' '}<code>${a}</code>`)}` : '–'],
    ['Needs', job.requirement],
    ['Resources', askText(job) || 'none asked'],
    ['Held', assignedHtml(job.assigned) ?? '–'],
    ['Priority', job.priority],
    ['Parents', job.parents.length ? links(job.parents) : '–'],
    ['Attempts', `${job.attempts} of ${job.maxRetries + 1}`],
    ['Agent', job.node || job.agentId ? html`${job.node ?? ''} <small class="muted">${job.agentId ?? ''}</small>` : '–'],
    ['Exit code', job.exitCode ?? '–'],
    ['Error', job.error ? html`<span class="err">${job.error}</span>` : '–'],
    ['Submitted', time(job.createdAt)],
    ['Started', time(job.startedAt)],
    ['Finished', time(job.finishedAt)],
    ['Duration', formatDuration(jobDurationMs(job, now))],
    ['Timeout', job.timeoutMs === null ? 'none' : formatDuration(job.timeoutMs)],
  ];
  if (job.port) rows.push(['Port', job.port]);
  if (job.service) rows.push(['Service', `${job.service.state}, ${job.service.restarts} restarts`]);
  return rows;
}

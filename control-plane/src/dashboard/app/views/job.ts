/** One job: its fields (resource asks and the GPUs it held among them) and status history, Cancel / Retry / Stop, and its live log. */
import { isTerminal, type JobView } from '../../../contract/jobs';
import { AuthError } from '../api';
import { clock, memo } from '../changes';
import { byId, say } from '../dom';
import { badge, dagHref, errorText, jobHref, time } from '../format';
import { html, setHtml, type Html } from '../html';
import { formatDuration, jobDurationMs } from '../layout';
import { askText, assignedHtml } from '../resources';
import type { ViewFactory } from '../view';
import { createLogTail } from './jobLog';

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
      <div class="actions"><button id="cancel-btn" type="button">Cancel</button><button id="retry-btn" type="button">Retry</button>
        <button id="stop-btn" type="button" hidden>Stop service</button><span id="action-result" role="status"></span></div>
      <div class="cols"><section><h3>Fields</h3><dl id="job-fields"></dl></section><section><h3>Status history</h3><ol id="job-history"></ol></section></div>
      <h3>Log <label class="follow"><input type="checkbox" id="follow" checked> follow</label> <small id="log-state" class="muted"></small></h3>
      <pre id="log-tail" tabindex="0"></pre>`,
  );
  const statusEl = byId('job-status');
  const result = byId('action-result');
  const log = createLogTail({ log: byId('log-tail'), state: byId('log-state'), follow: byId<HTMLInputElement>('follow') }, jobId, ctx);
  const changed = memo();

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

  return {
    async refresh() {
      const { job } = await ctx.api.call('getJob', { params: { id: jobId } });
      log.follow(job.run);
      const now = Date.now();
      if (!changed([job, clock([job], now)])) return;
      statusEl.textContent = job.status;
      statusEl.className = `badge st-${job.status}`;
      statusEl.title = `scheduler state: ${job.state}`;
      const ended = isTerminal(job.state);
      byId<HTMLButtonElement>('cancel-btn').disabled = ended;
      byId<HTMLButtonElement>('retry-btn').disabled = !ended;
      byId('stop-btn').hidden = !job.service || ended;
      setHtml(byId('job-fields'), html`${fields(job, now).map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}`);
      setHtml(
        byId('job-history'),
        html`${(job.history ?? []).map((h) => html`<li><time>${new Date(h.ts).toLocaleTimeString()}</time> ${badge(h.state)} ${h.note ?? ''}</li>`)}`,
      );
    },
    dispose: log.dispose,
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

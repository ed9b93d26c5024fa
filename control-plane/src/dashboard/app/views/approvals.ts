/** Approvals: jobs waiting on a native gate, and the SDK's store-key gates with Approve / Reject. */
import { AuthError } from '../api';
import { memo } from '../changes';
import { byId, closest, say } from '../dom';
import { errorText } from '../format';
import { gateKey, HITL_PREFIX, isOpenGate } from '../gates';
import { html, setHtml } from '../html';
import type { ViewContext, ViewFactory } from '../view';
import { jobTable } from './jobList';

export const approvalsView: ViewFactory = (root, ctx) => {
  setHtml(
    root,
    html`<h2>Approvals</h2><p id="approval-result" role="status"></p>
      <section><h3>Jobs waiting for approval</h3><div id="approval-jobs"></div></section>
      <section><h3>SDK gates <small class="muted">(store keys ${HITL_PREFIX}&lt;gate&gt;)</small></h3><div id="approval-gates"></div>
        <form id="gate-form" class="inline"><label>Decide a gate by id <input id="gate-id" autocomplete="off" required></label>
          <button type="submit" data-decision="APPROVED">Approve</button><button type="submit" data-decision="REJECTED">Reject</button></form></section>`,
  );
  const changed = memo();
  async function decide(gate: string, decision: string): Promise<void> {
    const key = gateKey(gate);
    try {
      await ctx.api.call('kvPut', { body: { key, value: decision } });
      say(byId('approval-result'), `${key} set to ${decision}`, true);
    } catch (e) {
      if (!(e instanceof AuthError)) say(byId('approval-result'), `Could not set ${key}: ${errorText(e)}`, false);
    }
    await ctx.tick();
  }
  root.addEventListener('click', (ev) => {
    const btn = closest(ev, 'button[data-gate]');
    if (btn) void decide(btn.dataset.gate!, btn.dataset.decision!);
  });
  byId('gate-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const decision = ((ev as SubmitEvent).submitter as HTMLButtonElement | null)?.dataset.decision ?? 'APPROVED';
    const input = byId<HTMLInputElement>('gate-id');
    if (input.value.trim()) void decide(input.value.trim(), decision);
  });
  return {
    async refresh() {
      // Native gates show as status WAITING_APPROVAL; the scheduler has no such state to filter on.
      const { jobs } = await ctx.api.call('listJobs', { query: { limit: 500 } });
      const waiting = jobs.filter((j) => j.status === 'WAITING_APPROVAL');
      const gates = await openGates(ctx);
      if (!changed([waiting, gates])) return;
      setHtml(byId('approval-jobs'), waiting.length ? jobTable(waiting, Date.now()) : html`<p class="muted">None.</p>`);
      setHtml(
        byId('approval-gates'),
        gates.length
          ? html`<table><tr><th>Gate</th><th>Value</th><th></th></tr>${gates.map(
              (g) => html`<tr class="gate"><td><code>${g.key.slice(HITL_PREFIX.length)}</code></td><td>${g.value}</td>
                  <td><button type="button" class="approve" data-gate="${g.key}" data-decision="APPROVED">Approve</button>
                  <button type="button" class="reject" data-gate="${g.key}" data-decision="REJECTED">Reject</button></td></tr>`,
            )}</table>`
          : html`<p class="muted">No open gate.</p>`,
      );
    },
  };
};

/** Gate keys whose value is not yet a decision. */
async function openGates({ api }: ViewContext): Promise<{ key: string; value: string }[]> {
  const { keys } = await api.call('listKeys', { query: { limit: 200, prefix: HITL_PREFIX } });
  const values = await Promise.all(
    keys.filter((k) => k.kind === 'string').map(async (k) => ({ key: k.key, value: (await api.call('kvGet', { query: { key: k.key } })).value })),
  );
  return values.filter((g): g is { key: string; value: string } => isOpenGate(g.value));
}

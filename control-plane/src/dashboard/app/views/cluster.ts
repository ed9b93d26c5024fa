/** Cluster overview: counts by state, the queue by capability, demand, and every agent with its load, CPUs, memory and GPUs. */
import type { AgentView } from '../../../contract/agents';
import { JobState } from '../../../contract/jobs';
import { memo } from '../changes';
import { byId } from '../dom';
import { time } from '../format';
import { html, setHtml } from '../html';
import { formatAgo } from '../layout';
import { agentGpusHtml, agentReservationsHtml, demandHtml } from '../resources';
import type { ViewFactory } from '../view';

export const clusterView: ViewFactory = (root, { api }) => {
  setHtml(
    root,
    html`<h2>Cluster</h2><div id="counts" class="cards"></div>
      <div class="cols"><section><h3>Queue by capability</h3><div id="queue"></div></section>
        <section><h3>Demand</h3><div id="demand" class="scroll"></div></section></div>
      <section><h3>Agents</h3><div id="agents" class="scroll"></div></section>`,
  );
  const changed = memo();
  return {
    async refresh() {
      const s = await api.call('stats', {});
      const now = Date.now();
      if (!changed([s, Math.floor(now / 1000)])) return;
      setHtml(
        byId('counts'),
        html`<div class="card"><b>${s.activeAgents}</b><span>active agents</span></div><div class="card"><b>${s.queueDepth}</b><span>queued</span></div>${JobState.options.map(
          (st) => html`<div class="card st-${st}-card"><b>${s.counts[st] ?? 0}</b><span>${st}</span></div>`,
        )}`,
      );
      const q = Object.entries(s.queueByRequirement);
      setHtml(
        byId('queue'),
        q.length
          ? html`<table><tr><th>Capability</th><th>Queued</th></tr>${q.map(([k, n]) => html`<tr><td>${k}</td><td>${n}</td></tr>`)}</table>`
          : html`<p class="muted">Nothing queued.</p>`,
      );
      setHtml(byId('demand'), demandHtml(s.demand));
      setHtml(
        byId('agents'),
        s.agents.length
          ? html`<table><tr><th>Name</th><th>Capabilities</th><th>Slots</th><th>Load</th><th>CPUs / memory</th><th>GPUs</th><th>Alive</th><th>Last seen</th></tr>${s.agents.map((a) => agentRow(a, now))}</table>`
          : html`<p class="muted">No agents registered. Start one with <code>titan agent</code>.</p>`,
      );
    },
  };
};

function agentRow(a: AgentView, now: number) {
  const pct = a.slots ? Math.round((100 * a.running) / a.slots) : 0;
  return html`<tr class="agent" data-agent-id="${a.id}">
      <td><b>${a.name}</b><br><small class="muted">${a.id}${a.ephemeral && ' · ephemeral'}</small></td>
      <td>${a.capabilities.map((c, i) => html`${i > 0 && ' '}<span class="tag">${c}</span>`)}</td>
      <td>${a.slots}</td>
      <td><progress max="${a.slots}" value="${a.running}"></progress> ${a.running}/${a.slots} <small class="muted">(${pct}%)</small></td>
      <td>${agentReservationsHtml(a)}</td>
      <td>${agentGpusHtml(a)}</td>
      <td>${a.alive ? html`<span class="badge st-COMPLETED">alive</span>` : html`<span class="badge st-FAILED">silent</span>`}</td>
      <td title="${time(a.lastSeen)}">${formatAgo(a.lastSeen, now)}</td></tr>`;
}

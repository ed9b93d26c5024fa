/**
 * Cluster overview: counts by state, live charts (queue, throughput, utilisation), the queue by
 * capability, demand, and every agent with its load, CPUs, memory and GPUs.
 */
import type { AgentView } from '../../../contract/agents';
import { JobState } from '../../../contract/jobs';
import { memo } from '../changes';
import { appendSample, chartStart, lineChart, sampleOf, SERIES_WINDOW_MS, throughput, throughputChart, utilisation, type LineSeries, type StatsSample } from '../charts';
import { byId } from '../dom';
import { time } from '../format';
import { html, setHtml, type Html } from '../html';
import { formatAgo } from '../layout';
import { agentGpusHtml, agentReservationsHtml, demandHtml } from '../resources';
import type { ViewFactory } from '../view';

/**
 * The samples behind the charts, kept for as long as the tab is open (not per visit), so going
 * back to this page finds its history; the time spent elsewhere shows as a gap.
 */
let series: StatsSample[] = [];

export const clusterView: ViewFactory = (root, { api }) => {
  setHtml(
    root,
    html`<h2>Cluster</h2><div id="counts" class="cards"></div>
      <section><h3>Activity <small class="muted">since this page opened, up to the last ${SERIES_WINDOW_MS / 60_000} minutes</small></h3>
        <div class="charts"><figure class="chart-card"><figcaption>Queue depth</figcaption><div id="chart-queue" class="chart-box"></div><div id="chart-queue-legend" class="ch-legend"></div></figure>
          <figure class="chart-card"><figcaption>Throughput <small class="muted">jobs finished per 10 s</small></figcaption><div id="chart-throughput" class="chart-box"></div><div id="chart-throughput-legend" class="ch-legend"></div></figure>
          <figure class="chart-card"><figcaption>Agent utilisation <small class="muted">running / slots</small></figcaption><div id="chart-utilisation" class="chart-box"></div><div id="chart-utilisation-legend" class="ch-legend"></div></figure></div></section>
      <div class="cols"><section><h3>Queue by capability</h3><div id="queue"></div></section>
        <section><h3>Demand</h3><div id="demand" class="scroll"></div></section></div>
      <section><h3>Agents</h3><div id="agents" class="scroll"></div></section>`,
  );
  const changed = memo();
  return {
    async refresh() {
      const s = await api.call('stats', {});
      const now = Date.now();
      series = appendSample(series, sampleOf(s, now));
      drawCharts(series, now);
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

/** Up to this many agents get a line of their own; the cluster-wide line covers them all. */
const MAX_AGENT_LINES = 8;

const key = (cls: string, name: string, value: string): Html => html`<span class="ch-item"><span class="ch-key ${cls}"></span>${name} <b>${value}</b></span>`;
const chartWidth = (el: HTMLElement) => Math.max(240, Math.floor(el.clientWidth));

function drawCharts(samples: readonly StatsSample[], now: number): void {
  const last = samples[samples.length - 1];
  const from = chartStart(samples, now);
  const queueEl = byId('chart-queue');
  const queue: LineSeries[] = [
    { name: 'queued', cls: 'ch-queued', points: samples.map((x) => ({ t: x.t, v: x.queued })) },
    { name: 'running', cls: 'ch-running', points: samples.map((x) => ({ t: x.t, v: x.running })) },
  ];
  setHtml(queueEl, lineChart('queue', 'Queue depth over time', queue, { from, now, width: chartWidth(queueEl) }));
  setHtml(byId('chart-queue-legend'), html`${key('ch-queued', 'queued', String(last.queued))} ${key('ch-running', 'running', String(last.running))}`);

  const tpEl = byId('chart-throughput');
  const buckets = throughput(samples);
  setHtml(tpEl, throughputChart(buckets, { from, now, width: chartWidth(tpEl) }));
  const total = (k: 'completed' | 'failed') => String(buckets.reduce((n, b) => n + b[k], 0));
  setHtml(byId('chart-throughput-legend'), html`${key('ch-completed', 'completed', total('completed'))} ${key('ch-failed', 'failed', total('failed'))} <small class="muted">since opened</small>`);

  const useEl = byId('chart-utilisation');
  const use = utilisation(samples);
  const shown = use.agents.slice(0, MAX_AGENT_LINES);
  const lines: LineSeries[] = [
    { name: 'all agents', cls: 'ch-all', points: use.cluster },
    ...shown.map((a, i) => ({ name: a.name, cls: `ch-c${i}`, points: a.points })),
  ];
  setHtml(useEl, lineChart('utilisation', 'Agent utilisation over time', lines, { from, now, width: chartWidth(useEl), yMax: 100, unit: '%' }));
  const pct = (p: { v: number }[]) => `${Math.round(p.at(-1)?.v ?? 0)}%`;
  setHtml(
    byId('chart-utilisation-legend'),
    html`${lines.map((l) => html`${key(l.cls, l.name, pct(l.points))} `)}${use.agents.length > shown.length && html`<small class="muted">and ${use.agents.length - shown.length} more agents</small>`}`,
  );
}

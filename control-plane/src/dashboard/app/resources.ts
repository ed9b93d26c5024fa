/**
 * Resources as the dashboard shows them: a job's asks and the GPUs it held, an agent's GPUs with
 * the jobs holding them, and the demand panel. Pure: text and `html` markup only (no DOM), so each
 * is unit-tested in plain Node; every value from the API goes through `html`, so it is escaped.
 */
import type { AgentView } from '../../contract/agents';
import { askText as contractAskText, countOf, plainNumber, type Assignment, type DemandGroup, type DemandResponse, type ResourceAsk } from '../../contract/resources';
import { jobHref } from './format';
import { html, type Html } from './html';
import { formatDuration } from './layout';

const num = plainNumber;
const count = countOf;

/** `512 MiB`, `40 GiB`, `79.6 GiB`: MiB as a reader takes them in at a glance. */
export function formatMiB(mb: number): string {
  if (mb < 1024) return `${num(mb)} MiB`;
  return `${Math.round((mb / 1024) * 10) / 10} GiB`;
}

/** `2 GPUs ≥40 GiB, 4 CPUs, 8 GiB memory`; '' when nothing is asked. */
export const askText = (ask: ResourceAsk): string => contractAskText(ask, formatMiB);

/** What a run held: `GPU 0, GPU 1 · 4 CPUs · 8 GiB memory`, each GPU's uuid beside it; null when it held nothing. */
export function assignedHtml(assigned: Assignment | null): Html | null {
  if (!assigned) return null;
  const parts: Html[] = assigned.gpus.map((g) => html`GPU ${g.index} <small class="muted"><code>${g.uuid}</code></small>`);
  if (assigned.cpus) parts.push(html`${count(assigned.cpus, 'CPU')}`);
  if (assigned.memoryMb) parts.push(html`${formatMiB(assigned.memoryMb)} memory`);
  return parts.length ? html`${parts.map((p, i) => html`${i > 0 && ' · '}${p}`)}` : null;
}

/** `2/8` while some is reserved, `8` while none is. */
const usedOf = (used: number, total: number, fmt: (n: number) => string) => (used > 0 ? `${fmt(used)} / ${fmt(total)}` : fmt(total));

/** CPUs and memory reserved of total, e.g. `2 / 8 CPUs` over `4 GiB / 16 GiB`. */
export function agentReservationsHtml(a: Pick<AgentView, 'resources' | 'used'>): Html {
  const { resources: r, used } = a;
  return html`${usedOf(used.cpus, r.cpus, num)} CPUs<br><small class="muted">${usedOf(used.memoryMb, r.memoryMb, formatMiB)} memory</small>`;
}

/** One row per GPU (index, model, memory total and free, the job holding it as a link, or idle), then the GPU error. */
export function agentGpusHtml(a: Pick<AgentView, 'resources' | 'used'>): Html {
  const { resources: r, used } = a;
  const holder = new Map(used.gpus.map((g) => [g.index, g.jobId]));
  const held = (jobId: string | undefined) => (jobId ? html`<a href="${jobHref(jobId)}"><code>${jobId}</code></a>` : html`<span class="muted">idle</span>`);
  const rows = r.gpus.map(
    (g) => html`<li class="gpu" data-gpu="${g.index}"><b>GPU ${g.index}</b> ${g.model} <small class="muted">${formatMiB(g.memoryMb)}${
      g.freeMemoryMb !== null && html`, ${formatMiB(g.freeMemoryMb)} free`
    }</small> — ${held(holder.get(g.index))}</li>`,
  );
  // A device that vanished (a later nvidia-smi read lost it) while a job still holds it.
  const known = new Set(r.gpus.map((g) => g.index));
  for (const g of used.gpus) if (!known.has(g.index)) rows.push(html`<li class="gpu" data-gpu="${g.index}"><b>GPU ${g.index}</b> <span class="err">no longer reported</span> — ${held(g.jobId)}</li>`);
  const error = r.gpuError && html`<div class="err">GPUs: ${r.gpuError}</div>`;
  if (!rows.length && !error) return html`<span class="muted">–</span>`;
  return html`${rows.length > 0 && html`<ul class="gpus">${rows}</ul>`}${error}`;
}

/** A demand group's shape: its asks, or `no reservations`. */
export const shapeText = (g: DemandGroup) => askText(g) || 'no reservations';

/** Why a group needs attention, as a badge; nothing when it does not. */
function groupFlag(g: DemandGroup): Html | null {
  if (!g.placeable) return html`<span class="badge st-FAILED" title="No live agent has this capability and enough resources">unplaceable</span>`;
  if (g.backlogged) return html`<span class="badge st-WAITING_APPROVAL">backlogged</span>`;
  return null;
}

/** The demand panel: a headline, queued and running per capability and shape, and what each capability has free. */
export function demandHtml(d: DemandResponse): Html {
  const head = d.backlogged
    ? html`<p><span class="badge st-WAITING_APPROVAL">backlogged</span> At least one group has ${d.thresholds.queued} or more jobs queued, the oldest waiting ${formatDuration(d.thresholds.waitMs)} or more.</p>`
    : html`<p class="muted">No backlog (backlogged means ${d.thresholds.queued}+ queued with the oldest waiting ${formatDuration(d.thresholds.waitMs)}+).</p>`;
  const groups = d.groups.length
    ? html`<table id="demand-groups"><tr><th>Capability</th><th>Shape</th><th>Queued</th><th>Running</th><th>Oldest wait</th><th></th></tr>${d.groups.map(
        (g) => html`<tr class="${g.backlogged ? 'backlogged' : ''}"><td>${g.requirement}</td><td>${shapeText(g)}</td><td>${g.queued}</td><td>${g.running}</td>
            <td>${g.queued ? formatDuration(g.oldestWaitMs) : '–'}</td><td>${groupFlag(g)}</td></tr>`,
      )}</table>`
    : html`<p class="muted">No job is queued or running.</p>`;
  const supply = d.supply.length
    ? html`<table id="demand-supply"><tr><th>Capability</th><th>Agents</th><th>Free slots</th><th>Free GPUs</th></tr>${d.supply.map(
        (s) => html`<tr><td>${s.capability}</td><td>${s.agents}</td><td>${s.freeSlots} / ${s.slots}</td><td>${s.gpus ? `${s.freeGpus} / ${s.gpus}` : '–'}</td></tr>`,
      )}</table>`
    : html`<p class="muted">No live agent.</p>`;
  return html`${head}${groups}<h4>Free capacity</h4>${supply}`;
}

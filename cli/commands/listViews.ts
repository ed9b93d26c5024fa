/**
 * The text views of `titan jobs`, `dags`, `services`, `workers`, `status` and `stats`: pure
 * functions of the API's answers and the current time, so the layout is unit-tested without a cluster.
 */
import type { AgentView } from '../../control-plane/src/contract/agents';
import type { DagView, JobView } from '../../control-plane/src/contract/jobs';
import { askText, plainNumber, type Assignment, type DemandGroup, type DemandResponse, type ResourceAsk } from '../../control-plane/src/contract/resources';
import type { RouteOutput } from '../../control-plane/src/contract/call';

type DagSummary = RouteOutput<'listDags'>['dags'][number];
type ServiceRow = RouteOutput<'stats'>['services'][number];

/** `12s`, `5m03s`, `2h07m`, `3d04h`: short enough for a column. */
export function shortDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor(s / 3600) % 24).padStart(2, '0')}h`;
}

/** Rows under a header, each column as wide as its widest cell; the last column is not padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

/** How long a job ran (so far, while it runs); `-` before it starts. */
function runTime(job: JobView, now: number): string {
  return job.startedAt === null ? '-' : shortDuration((job.finishedAt ?? now) - job.startedAt);
}

export function jobsTable(jobs: readonly JobView[], now: number): string {
  if (!jobs.length) return 'no jobs';
  return table(
    ['ID', 'STATUS', 'STATE', 'REQUIREMENT', 'NODE', 'ATTEMPTS', 'AGE', 'RAN'],
    jobs.map((j) => [j.id, j.status, j.state, j.requirement, j.node ?? '-', String(j.attempts), shortDuration(now - j.createdAt), runTime(j, now)]),
  );
}

/** `completed 3 running 1`: a DAG's job counts by scheduler state, zeros left out. */
export function countsText(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${state.toLowerCase()} ${n}`)
    .join(' ');
}

export function dagsTable(dags: readonly DagSummary[], now: number): string {
  if (!dags.length) return 'no DAGs';
  return table(
    ['ID', 'NAME', 'CREATED', 'JOBS'],
    dags.map((d) => [d.id, d.name ?? '-', `${shortDuration(now - d.createdAt)} ago`, countsText(d.counts)]),
  );
}

/** One DAG: a heading line, then its jobs as in `titan jobs`. */
export function dagText(dag: DagView, now: number): string {
  const counts: Record<string, number> = {};
  for (const j of dag.jobs) counts[j.state] = (counts[j.state] ?? 0) + 1;
  const head = `${dag.id}${dag.name ? `  ${dag.name}` : ''}  (${dag.jobs.length} jobs: ${countsText(counts)}; created ${shortDuration(now - dag.createdAt)} ago)`;
  return `${head}\n${jobsTable(dag.jobs, now)}`;
}

export function servicesTable(services: readonly ServiceRow[]): string {
  if (!services.length) return 'no services';
  // A crash loop is said in its STATE, so it is not mistaken for an ordinary restart.
  return table(
    ['ID', 'AGENT', 'PORT', 'STATE', 'HEALTH', 'RESTARTS', 'LAST EXIT'],
    services.map((s) => [
      s.id, s.node ?? s.agentId ?? '-', s.port ? String(s.port) : '-', s.crashLoop ? `${s.state} CRASH-LOOP` : s.state,
      s.health === 'unknown' ? '-' : s.health, String(s.restarts), s.lastExit ?? '-',
    ]),
  );
}

// ---- Resources: `titan workers`, a job's asks and GPUs in `titan status`, demand in `titan stats`.

const num = plainNumber;

export { askText };

/** `GPUs: 0,1 (GPU-a, GPU-b)`: the devices a run held; '' when it held none. */
export function assignedGpusText(assigned: Assignment | null): string {
  if (!assigned?.gpus.length) return '';
  return `GPUs: ${assigned.gpus.map((g) => g.index).join(',')} (${assigned.gpus.map((g) => g.uuid).join(', ')})`;
}

/** The lines `titan status JOB` prints under its heading for resources (none when it asks for and held nothing). */
export function jobResourceLines(job: Pick<JobView, keyof ResourceAsk | 'assigned'>): string[] {
  const ask = askText(job);
  const gpus = assignedGpusText(job.assigned);
  return [...(ask ? [`resources: ${ask}`] : []), ...(gpus ? [gpus] : [])];
}

/** `2/8` while some is reserved, `8` while none is. */
const usedOf = (used: number, total: number) => (used > 0 ? `${num(used)}/${num(total)}` : num(total));

/** One agent's resource lines: CPUs and memory, one line per GPU with the job holding it, the GPU error. */
export function agentResourceLines(a: Pick<AgentView, 'resources' | 'used'>): string[] {
  const { resources: r, used } = a;
  const lines: string[] = [];
  if (r.cpus || r.memoryMb || used.cpus || used.memoryMb) lines.push(`CPUs ${usedOf(used.cpus, r.cpus)}  memory ${usedOf(used.memoryMb, r.memoryMb)} MiB`);
  const holder = new Map(used.gpus.map((g) => [g.index, g.jobId]));
  for (const g of r.gpus) {
    const free = g.freeMemoryMb === null ? '' : ` (${g.freeMemoryMb} free)`;
    lines.push(`GPU ${g.index} ${g.model} ${g.memoryMb} MiB${free} — ${holder.get(g.index) ?? 'idle'}`);
  }
  // A device that vanished (a later nvidia-smi read lost it) while a job still holds it.
  const known = new Set(r.gpus.map((g) => g.index));
  for (const g of used.gpus) if (!known.has(g.index)) lines.push(`GPU ${g.index} (no longer reported) — ${g.jobId}`);
  if (r.gpuError) lines.push(`GPUs: ${r.gpuError}`);
  return lines;
}

/** `titan workers`: a line per agent (alive, name, capabilities, load, last contact), its resources indented below. */
export function workersText(agents: readonly AgentView[], now: number): string {
  if (!agents.length) return 'no agents registered';
  return agents
    .flatMap((a) => {
      const seen = Math.round((now - a.lastSeen) / 1000);
      const head = `${a.alive ? '●' : '○'} ${a.name.padEnd(24)} ${a.capabilities.join(',').padEnd(24)} load ${a.running}/${a.slots}  seen ${seen}s ago${a.ephemeral ? '  (ephemeral)' : ''}`;
      return [head, ...agentResourceLines(a).map((l) => `    ${l}`)];
    })
    .join('\n');
}

/** A demand group's name: its capability and, when it asks for any, its resource shape. */
const groupName = (g: DemandGroup) => [g.requirement, askText(g)].filter(Boolean).join(' ');

/**
 * The demand section of `titan stats`: only the groups that need a person's eye (backlogged, or
 * that no live agent could ever hold), then what each capability has free.
 */
export function demandLines(d: DemandResponse): string[] {
  const head = `demand  ${d.backlogged ? 'BACKLOGGED' : 'ok'}  (backlogged: ≥${d.thresholds.queued} queued, oldest waiting ≥${shortDuration(d.thresholds.waitMs)})`;
  const flagged = d.groups.filter((g) => g.backlogged || !g.placeable);
  const groups = flagged.map(
    (g) => `  ${g.backlogged ? 'backlogged' : 'unplaceable'}  ${groupName(g)}  queued ${g.queued}  running ${g.running}  oldest ${shortDuration(g.oldestWaitMs)}${g.backlogged && !g.placeable ? '  (no agent can hold it)' : ''}`,
  );
  const supply = d.supply.map((s) => `${s.capability} ${s.freeSlots}/${s.slots} slots${s.gpus ? `, ${s.freeGpus}/${s.gpus} GPUs` : ''}`);
  return [head, ...groups, `free    ${supply.length ? supply.join('  ·  ') : 'no live agents'}`];
}

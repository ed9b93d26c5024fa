/**
 * The text tables of `titan jobs`, `dags`, `services` and a DAG's `status`: pure functions of the
 * API's answers and the current time, so the layout is unit-tested without a cluster.
 */
import type { DagView, JobView } from '../../control-plane/src/contract/jobs';
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
  return table(
    ['ID', 'NODE', 'PORT', 'STATE', 'RESTARTS'],
    services.map((s) => [s.id, s.node ?? s.agentId ?? '-', String(s.port), s.state, String(s.restarts)]),
  );
}

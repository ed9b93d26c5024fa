/** The ClusterDO's read-only answers, assembled from the repositories (no decisions, no writes). */
import type { AgentView } from '../contract/agents';
import { isTerminal, type DagView, type DagWaitResponse, type JobState } from '../contract/jobs';
import type { DemandResponse } from '../contract/resources';
import type { StatsResponse } from '../contract/stats';
import { fail, ok, type Result } from '../lib/result';
import { specOf, toServiceSummary, toView } from './jobRow';
import type { JobsRepo } from './jobsRepo';

export function dagView(jobs: JobsRepo, id: string): Result<DagView> {
  const d = jobs.dag(id);
  if (!d) return fail(404, 'not_found', `no DAG ${id}`);
  const rows = jobs.dagJobs(id);
  const ids = new Set(rows.map((j) => j.id));
  const edges = rows.flatMap((j) => specOf(j).parents.filter((p) => ids.has(p)).map((p): [string, string] => [p, j.id]));
  return ok({ id: d.id, name: d.name, createdAt: d.created_at, jobs: rows.map((j) => toView(j)), edges });
}

/** A DAG's counts and whether every job of it has ended (terminal); null when unknown. */
export function dagWaitView(jobs: JobsRepo, id: string): DagWaitResponse | null {
  const d = jobs.dagSummary(id);
  if (!d) return null;
  const ended = Object.entries(d.counts).every(([state, n]) => n === 0 || isTerminal(state as JobState));
  return { id: d.id, name: d.name, createdAt: d.created_at, counts: d.counts, ended };
}

export function dagList(jobs: JobsRepo, limit: number) {
  return { dags: jobs.recentDags(limit).map((d) => ({ id: d.id, name: d.name, createdAt: d.created_at, counts: d.counts })) };
}

export function statsOf(jobs: JobsRepo, agents: AgentView[], demand: DemandResponse): StatsResponse {
  const counts = { PENDING: 0, WAITING_APPROVAL: 0, QUEUED: 0, RUNNING: 0, FAILED: 0, DEAD: 0, COMPLETED: 0, CANCELLED: 0, ...jobs.countByState() };
  return {
    agents,
    activeAgents: agents.filter((a) => a.alive).length,
    queueDepth: counts.QUEUED,
    queueByRequirement: jobs.queueByRequirement(),
    counts,
    services: jobs.activeServices().map(toServiceSummary),
    demand,
  };
}

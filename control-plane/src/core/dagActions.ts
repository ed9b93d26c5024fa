/** What the DAG-level actions touch. Pure: the scheduler loads the DAG's jobs and applies the answer. */
import { isTerminal, type JobState } from '../contract/jobs';

export interface DagJobFacts {
  id: string;
  state: JobState;
  /** Its parents inside the DAG. */
  parents: readonly string[];
}

/** Cancel a DAG: every job of it that has not ended. */
export const toCancel = (jobs: readonly DagJobFacts[]): string[] => jobs.filter((j) => !isTerminal(j.state)).map((j) => j.id);

/**
 * Retry the failed part of a DAG: the jobs that ended without completing (DEAD, or CANCELLED by a
 * user) while every parent completed — where the failure started. A retry of each reruns it and
 * the descendants its failure cancelled, so the rest of the failed part follows.
 */
export function retryFrontier(jobs: readonly DagJobFacts[]): string[] {
  const state = new Map(jobs.map((j) => [j.id, j.state]));
  return jobs
    .filter((j) => (j.state === 'DEAD' || j.state === 'CANCELLED') && j.parents.every((p) => (state.get(p) ?? 'COMPLETED') === 'COMPLETED'))
    .map((j) => j.id);
}

/** A DAG run as a whole: RUNNING while any job is active, else COMPLETED, FAILED (one died) or CANCELLED. */
export function dagState(states: readonly JobState[]): 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' {
  if (states.some((s) => !isTerminal(s))) return 'RUNNING';
  if (states.every((s) => s === 'COMPLETED')) return 'COMPLETED';
  return states.includes('DEAD') ? 'FAILED' : 'CANCELLED';
}

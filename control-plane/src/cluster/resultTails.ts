import type { JobResult } from '../contract/agents';
import type { LogVerdict } from '../core/leaseHolder';
import type { Env } from '../env';
import { logsOf } from './stub';

/**
 * Stores the log tails that came with finished jobs' results (contract/agents ResultTail) and
 * returns the results without them, for the scheduler. The lines are stored first, so nobody sees
 * a job ended with its last lines missing. The lease check is the one POST /v1/jobs/{id}/logs
 * makes (`verdictOf`, asked of the scheduler's own rows: the ClusterDO calls this before it looks
 * at the results, which saves the Worker a round trip to it per finished job); a tail its lease
 * may not write is dropped, as that route would refuse it. A failed append fails the request; the
 * agent sends it again (appends are idempotent by seq, a result sent twice is acknowledged once).
 */
export async function storeTails(env: Env, results: JobResult[], verdictOf: (jobId: string, leaseId: string, run: number) => LogVerdict): Promise<JobResult[]> {
  const tailed = results.filter((r) => r.tail);
  if (!tailed.length) return results;
  const verdicts = tailed.map((r) => verdictOf(r.tail!.jobId, r.leaseId, r.tail!.run));
  await Promise.all(tailed.map(({ tail }, i) => (verdicts[i] === 'ok' ? logsOf(env, tail!.jobId).append(tail!.jobId, tail!.run, tail!.lines) : null)));
  return results.map(({ tail: _, ...r }) => r);
}

/** Whether any result carries a tail: without one there is nothing to store, and nothing to await. */
export const hasTails = (results: JobResult[]): boolean => results.some((r) => r.tail);

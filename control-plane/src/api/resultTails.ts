import type { JobResult } from '../contract/agents';
import type { Env } from '../env';
import { cluster, logsFor } from './stubs';

/**
 * Stores the log tails that came with finished jobs' results (contract/agents ResultTail) and
 * returns the results without them, for the scheduler. The lines are stored first, so nobody sees
 * a job ended with its last lines missing. The lease check is the one POST /v1/jobs/{id}/logs
 * makes, asked once for the whole batch: a tail its lease may not write is dropped, as that route
 * would refuse it. A failed append fails the request; the agent sends it again (appends are
 * idempotent by seq, a result sent twice is acknowledged once).
 */
export async function storeTails(env: Env, results: JobResult[]): Promise<JobResult[]> {
  const tailed = results.filter((r) => r.tail);
  if (!tailed.length) return results;
  const verdicts = await cluster(env).logWriters(tailed.map((r) => ({ jobId: r.tail!.jobId, leaseId: r.leaseId, run: r.tail!.run })));
  await Promise.all(tailed.map(({ tail }, i) => (verdicts[i] === 'ok' ? logsFor(env, tail!.jobId).append(tail!.jobId, tail!.run, tail!.lines) : null)));
  return results.map(({ tail: _, ...r }) => r);
}

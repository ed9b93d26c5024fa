import { sleep } from './backoff';
import type { JobTable } from './jobTable';

/**
 * The order in which a stopping agent ends its jobs: services never end by themselves, so
 * they are handed back at once; batch jobs get the grace period to finish (and report).
 */
export function drainOrder(jobs: Array<{ leaseId: string; isService: boolean }>): { now: string[]; afterGrace: string[] } {
  return { now: jobs.filter((j) => j.isService).map((j) => j.leaseId), afterGrace: jobs.filter((j) => !j.isService).map((j) => j.leaseId) };
}

/**
 * Let running jobs finish within `graceMs`, then kill what is left (the control plane re-queues it).
 * A job whose process has ended counts as finished even while its logs are still on their way.
 */
export async function drainJobs(table: JobTable, graceMs: number, log: (line: string) => void): Promise<void> {
  const { now } = drainOrder(table.jobs().map((r) => ({ leaseId: r.lease.leaseId, isService: r.handle.service() !== null })));
  for (const id of now) table.get(id)?.handle.kill('shutdown');
  const deadline = Date.now() + graceMs;
  const running = () => table.jobs().filter((r) => !r.handle.ended);
  while (running().length && Date.now() < deadline) await sleep(50);
  if (running().length) log(`grace over: killing ${running().length} job(s); the control plane re-queues them`);
  for (const r of running()) r.handle.kill('shutdown');
  await Promise.race([Promise.all(table.jobs().map((r) => r.handle.done)), sleep(5000)]);
}

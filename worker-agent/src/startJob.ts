import type { Lease } from '../../control-plane/src/contract/agents';
import type { JobTable } from './jobTable';
import { LogShipper } from './logShipper';
import type { Outbox } from './outbox';
import type { ResultReporter } from './reporter';
import type { RunContext } from './runners/context';
import { runJob, type KillReason } from './runners/job';

/**
 * Whether a finished job's outcome goes to the control plane. Not when the agent killed it
 * because the lease was lost or the agent is shutting down (the control plane re-queues
 * those), nor when the lease was dropped while it ran.
 */
export function shouldReport(killedFor: KillReason | undefined, stillHeld: boolean): boolean {
  return killedFor !== 'lost' && killedFor !== 'shutdown' && stillHeld;
}

export interface JobStarterDeps {
  table: JobTable;
  ctx: RunContext;
  outbox: Outbox;
  reporter: ResultReporter;
}

/**
 * Runs a leased job in a free slot; when it ends, ships its logs (the last lines with the result),
 * then reports its result and frees the slot in the same step, so the lease poll that asks for
 * new work carries the result.
 * At shutdown the outbox lets go of logs it could not deliver (they wait on disk).
 */
export function jobStarter({ table, ctx, outbox, reporter }: JobStarterDeps): (lease: Lease) => void {
  return (lease) => {
    if (table.has(lease.leaseId)) return;
    const { job, leaseId } = lease;
    const started = Date.now();
    const logs = new LogShipper({ jobId: job.id, leaseId, run: job.run, attempt: job.attempt, outbox });
    const handle = runJob(lease, ctx, logs);
    table.add(lease, handle);
    void handle.done.then(async (outcome) => {
      const durationMs = Date.now() - started;
      // A user who sees the result must see every log line: the last ones ride with it.
      const tail = await logs.finish();
      table.finished(leaseId);
      if (!shouldReport(handle.killedFor, table.isHeld(leaseId))) {
        if (tail) outbox.push({ jobId: tail.jobId, body: { leaseId, run: tail.run, lines: tail.lines } });
        table.release(leaseId);
        return;
      }
      reporter.add({ leaseId, status: outcome.status, exitCode: outcome.exitCode, durationMs, error: outcome.error, ...(tail && { tail }) });
    });
  };
}

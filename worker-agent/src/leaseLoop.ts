import type { Lease } from '../../control-plane/src/contract/agents';
import { TitanApiError, type TitanHttpClient } from '../../sdk/ts/client';
import { backoffDelay, sleep } from './backoff';
import type { JobTable } from './jobTable';
import { agentGone, type Registration } from './register';
import type { ResultReporter } from './reporter';

/** How long one lease request waits on the control plane for work (a long poll). */
export const LEASE_WAIT_MS = 25_000;

export type LeaseFailureAction = { kind: 'reregister' } | { kind: 'retry'; delayMs: number; log: boolean };

/**
 * What to do after a lease request failed for the `failures`-th time in a row: register
 * again if the control plane forgot us, else back off with jitter, logging the first
 * failure of a streak (and every auth failure, which needs a human).
 */
export function afterLeaseFailure(err: unknown, failures: number, random?: () => number): LeaseFailureAction {
  if (agentGone(err)) return { kind: 'reregister' };
  const auth = err instanceof TitanApiError && (err.status === 401 || err.status === 403);
  return { kind: 'retry', delayMs: backoffDelay(failures, { random }), log: failures === 0 || auth };
}

/** A control plane that answers at once with nothing must not make us spin: pause a little. */
export function idlePauseMs(leases: number, elapsedMs: number): number {
  return leases === 0 && elapsedMs < 50 ? 250 : 0;
}

export interface LeaseLoopDeps {
  client: TitanHttpClient;
  registration: Registration;
  table: JobTable;
  reporter: ResultReporter;
  start: (lease: Lease) => void;
  /** A request just succeeded: the link is up (the outbox retries now). */
  linkUp: () => void;
  log: (line: string) => void;
}

/** Long-polls for as many leases as there are free slots, piggy-backing finished results. */
export class LeaseLoop {
  private stopping = false;

  constructor(private readonly d: LeaseLoopDeps) {}

  /** Ask for no more work; a long poll in flight ends when the agent's dispatcher closes. */
  stop(): void {
    this.stopping = true;
    this.d.table.wake();
  }

  /** Runs until `stop()`. */
  async run(): Promise<void> {
    const { client, registration, table, reporter } = this.d;
    let failures = 0;
    while (!this.stopping) {
      const free = table.free;
      if (free <= 0) {
        await table.untilSlotFrees(60_000); // nothing to ask for until a job ends
        continue;
      }
      const complete = reporter.take();
      const t0 = Date.now();
      try {
        const res = await client.lease(registration.id, { max: free, waitMs: LEASE_WAIT_MS, complete });
        reporter.settle(complete, res.acks);
        failures = 0;
        this.d.linkUp();
        for (const l of res.leases) if (!this.stopping) this.d.start(l); // after stop, deregistering re-queues them
        const pause = idlePauseMs(res.leases.length, Date.now() - t0);
        if (pause) await sleep(pause);
      } catch (err) {
        if (complete.length) reporter.putBack(complete);
        if (this.stopping) break;
        const next = afterLeaseFailure(err, failures);
        if (next.kind === 'reregister') {
          await registration.reregister();
        } else {
          if (next.log) this.d.log(`lease failed: ${(err as Error).message}; retrying with backoff`);
          failures++;
          await sleep(next.delayMs);
        }
      }
    }
  }
}

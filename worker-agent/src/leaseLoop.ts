import type { Lease, Order } from '../../control-plane/src/contract/agents';
import { TitanApiError, type TitanHttpClient } from '../../sdk/ts/client';
import { Waker, backoffDelay, sleep } from './backoff';
import type { JobTable } from './jobTable';
import { agentGone, type Registration } from './register';
import type { ResultReporter } from './reporter';
import type { SlotAsks } from './slotAsks';

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
  /** Slots asked for in flight: the poll records its `max` here, the completes theirs. */
  asks: SlotAsks;
  start: (lease: Lease) => void;
  /** Cancel/stop orders that came with a lease answer (applied like the heartbeat's). */
  orders: (orders: Order[]) => void;
  /** A request just succeeded: the link is up (the outbox retries now). */
  linkUp: () => void;
  log: (line: string) => void;
}

/**
 * Long-polls for leases for the free slots no `complete` in flight asks for (slotAsks.ts),
 * piggy-backing finished results. With every slot busy or asked for it still holds a poll open,
 * for orders only (`max: 0`), so a cancel reaches its process at once instead of at the next
 * heartbeat. A freed slot is asked for by the complete that reports its job; the poll for orders
 * is dropped, to ask for work, only when free slots are left that nothing asks for (`recheck`).
 */
export class LeaseLoop {
  private stopping = false;
  private inflight: AbortController | undefined;
  private done: Promise<void> = Promise.resolve();
  private readonly backoff = new Waker();

  constructor(private readonly d: LeaseLoopDeps) {}

  /** Ask for no more work and drop the poll in flight; resolves once the loop has returned. */
  stop(): Promise<void> {
    this.stopping = true;
    this.inflight?.abort();
    this.backoff.wake();
    return this.done;
  }

  /** Runs until `stop()`. */
  run(): Promise<void> {
    return (this.done = this.loop());
  }

  /**
   * After a slot freed or a complete came back: drop the held poll for orders if free slots are
   * left that no complete asks for, and no result is on its way (its complete will ask). Never a
   * poll that asked for work: its answer may be carrying leases, which a dropped request would
   * lose until they expired (the slots it leaves uncovered are asked for once it is answered).
   */
  recheck(): void {
    const { asks, table, reporter } = this.d;
    if (this.inflight && asks.poll === 0 && !reporter.busy && asks.uncovered(table.free) > 0) this.inflight.abort();
  }

  /** While `abort`'s poll is held: look again each time a slot frees. */
  private watchSlots(abort: AbortController): void {
    // A microtask later: the job whose slot freed hands its result to the reporter in the same turn.
    const off = this.d.table.onSlotFree(() => queueMicrotask(() => this.recheck()));
    abort.signal.addEventListener('abort', off, { once: true });
  }

  private async loop(): Promise<void> {
    const { client, registration, table, reporter } = this.d;
    let failures = 0;
    while (!this.stopping) {
      // A poll may overtake results still on their way by `complete`: the control plane counts free
      // slots again when those results land and answers the held poll then, so no need to wait.
      const max = this.d.asks.uncovered(table.free);
      const complete = reporter.take();
      const abort = (this.inflight = new AbortController());
      this.d.asks.poll = max;
      // No await from reading the free slots to here: a slot cannot free unseen in between.
      this.watchSlots(abort);
      const t0 = Date.now();
      try {
        // Its ask ends with its answer (or failure), not after the idle pause or backoff that may follow.
        const res = await client.lease(registration.id, { max, waitMs: LEASE_WAIT_MS, complete, held: table.heldLeases() }, abort.signal).finally(() => (this.d.asks.poll = 0));
        reporter.settle(complete, res.acks);
        failures = 0;
        this.d.linkUp();
        if (res.orders.length) this.d.orders(res.orders);
        for (const l of res.leases) if (!this.stopping) this.d.start(l); // after stop, deregistering re-queues them
        const pause = idlePauseMs(res.leases.length + res.orders.length, Date.now() - t0);
        if (pause) await sleep(pause);
      } catch (err) {
        if (abort.signal.aborted) {
          // We dropped it ourselves (a slot freed, or stopping): not a failure of the link.
          if (complete.length) reporter.putBack(complete, false);
          continue;
        }
        if (complete.length) reporter.putBack(complete);
        if (this.stopping) break;
        const next = afterLeaseFailure(err, failures);
        if (next.kind === 'reregister') {
          await registration.reregister();
        } else {
          if (next.log) this.d.log(`lease failed: ${(err as Error).message}; retrying with backoff`);
          failures++;
          await this.backoff.sleep(next.delayMs);
        }
      } finally {
        abort.abort(); // ends this round's slot watch (and is a no-op on a finished request)
        if (this.inflight === abort) this.inflight = undefined;
      }
    }
  }
}

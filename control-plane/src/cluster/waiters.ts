/** Long-poll lease requests held open until work or an order arrives for them, or their wait runs out. */
import type { Ack, Lease, LeaseResponse, Order } from '../contract/agents';
import { ok, type Result } from '../lib/result';

interface Waiter {
  agentId: string;
  max: number;
  acks: Ack[];
  timer: ReturnType<typeof setTimeout>;
  resolve: (r: Result<LeaseResponse>) => void;
}

/**
 * At most one held poll per agent. `take` hands up to `max` queued jobs to an agent (null when the
 * agent is gone); `ordersFor` lists the pending orders for the leases it holds, carried by every
 * answer; `onHandout` runs after a wake handed anything out (the lease expiries need an alarm).
 * A poll with `max` 0 waits for orders only.
 */
export class Waiters {
  private readonly byAgent = new Map<string, Waiter>();
  /** Agents given an order since the last flush: their polls are answered even without new work. */
  private readonly ordered = new Set<string>();
  /** Agents whose own slots freed since the last flush (a general wake looks at every poll). */
  private readonly freed = new Set<string>();
  private wakeAll = false;
  private wakeScheduled = false;

  constructor(
    private readonly take: (agentId: string, max: number) => Lease[] | null,
    private readonly ordersFor: (agentId: string) => Order[],
    private readonly onHandout: () => void,
  ) {}

  has(agentId: string): boolean {
    return this.byAgent.has(agentId);
  }

  /** Hold a poll for up to `waitMs`; a newer poll of the same agent replaces it (the old one answers empty). */
  wait(agentId: string, max: number, acks: Ack[], waitMs: number): Promise<Result<LeaseResponse>> {
    this.byAgent.get(agentId)?.resolve(ok({ leases: [], acks: [], orders: [] }));
    return new Promise((resolve) => {
      const w: Waiter = {
        agentId,
        max,
        acks,
        resolve: (r) => {
          clearTimeout(w.timer);
          if (this.byAgent.get(agentId) === w) this.byAgent.delete(agentId);
          resolve(r);
        },
        timer: setTimeout(() => w.resolve(ok({ leases: [], acks, orders: this.ordersFor(agentId) })), waitMs),
      };
      this.byAgent.set(agentId, w);
    });
  }

  /** Answer an agent's held poll with no work: with the acks it carried, or (`dropAcks`) without, for a replaced agent. */
  dismiss(agentId: string, dropAcks = false): void {
    const w = this.byAgent.get(agentId);
    w?.resolve(ok({ leases: [], acks: dropAcks ? [] : w.acks, orders: [] }));
  }

  /** An order was given for a lease this agent holds: answer its held poll at once (coalesced with wakes). */
  notify(agentId: string): void {
    if (!this.byAgent.has(agentId)) return;
    this.ordered.add(agentId);
    this.flushSoon();
  }

  /** Hand queued jobs to waiting agents; coalesced so a DAG submit wakes pollers once. */
  wakeSoon(): void {
    if (this.byAgent.size === 0) return;
    this.wakeAll = true;
    this.flushSoon();
  }

  /** This agent's slots freed (its results arrived): only its own held poll may take more now. */
  slotsFreed(agentId: string): void {
    if (!this.byAgent.has(agentId)) return;
    this.freed.add(agentId);
    this.flushSoon();
  }

  private flushSoon(): void {
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    queueMicrotask(() => {
      this.wakeScheduled = false;
      let handed = false;
      const all = this.wakeAll;
      this.wakeAll = false;
      for (const w of [...this.byAgent.values()]) {
        if (!all && !this.freed.has(w.agentId) && !this.ordered.has(w.agentId)) continue;
        const leases = w.max > 0 ? this.take(w.agentId, w.max) : [];
        if (leases === null) {
          w.resolve(ok({ leases: [], acks: w.acks, orders: [] }));
          continue;
        }
        const orders = leases.length || this.ordered.has(w.agentId) ? this.ordersFor(w.agentId) : [];
        if (leases.length || orders.length) w.resolve(ok({ leases, acks: w.acks, orders }));
        handed ||= leases.length > 0;
      }
      this.ordered.clear();
      this.freed.clear();
      if (handed) this.onHandout();
    });
  }
}

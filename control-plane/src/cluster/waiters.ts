/** Long-poll lease requests held open until work arrives for them or their wait runs out. */
import type { Ack, Lease, LeaseResponse } from '../contract/agents';
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
 * agent is gone); `onHandout` runs after a wake handed anything out (the lease expiries need an alarm).
 */
export class Waiters {
  private readonly byAgent = new Map<string, Waiter>();
  private wakeScheduled = false;

  constructor(
    private readonly take: (agentId: string, max: number) => Lease[] | null,
    private readonly onHandout: () => void,
  ) {}

  has(agentId: string): boolean {
    return this.byAgent.has(agentId);
  }

  /** Hold a poll for up to `waitMs`; a newer poll of the same agent replaces it (the old one answers empty). */
  wait(agentId: string, max: number, acks: Ack[], waitMs: number): Promise<Result<LeaseResponse>> {
    this.byAgent.get(agentId)?.resolve(ok({ leases: [], acks: [] }));
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
        timer: setTimeout(() => w.resolve(ok({ leases: [], acks })), waitMs),
      };
      this.byAgent.set(agentId, w);
    });
  }

  /** Answer an agent's held poll with no work: with the acks it carried, or (`dropAcks`) without, for a replaced agent. */
  dismiss(agentId: string, dropAcks = false): void {
    const w = this.byAgent.get(agentId);
    w?.resolve(ok({ leases: [], acks: dropAcks ? [] : w.acks }));
  }

  /** Hand queued jobs to waiting agents; coalesced so a DAG submit wakes pollers once. */
  wakeSoon(): void {
    if (this.wakeScheduled || this.byAgent.size === 0) return;
    this.wakeScheduled = true;
    queueMicrotask(() => {
      this.wakeScheduled = false;
      let handed = false;
      for (const w of [...this.byAgent.values()]) {
        const leases = this.take(w.agentId, w.max);
        if (leases === null) w.resolve(ok({ leases: [], acks: w.acks }));
        else if (leases.length) {
          handed = true;
          w.resolve(ok({ leases, acks: w.acks }));
        }
      }
      if (handed) this.onHandout();
    });
  }
}

import type { Ack, CompleteResponse, JobResultInput, Lease } from '../../control-plane/src/contract/agents';

/**
 * The free slots the agent has asked the control plane to fill with the requests in flight: the
 * held lease poll's `max`, and the `max` of each `complete` (which asks for the slots its results
 * free, so a busy agent gets its next job where it reports the last one). What none of them
 * covers is what the next request asks for; a held poll that leaves slots uncovered while no
 * result is on its way to ask for them is dropped and asked again (leaseLoop.ts).
 */
export class SlotAsks {
  /** `max` of the lease poll in flight (0: none, or one for orders only). */
  poll = 0;
  /** The sum of `max` over the completes in flight. */
  completes = 0;

  /** Slots free and asked for by nothing in flight. */
  uncovered(free: number): number {
    return Math.max(0, free - this.poll - this.completes);
  }
}

export interface AskingCompleteDeps {
  asks: SlotAsks;
  free: () => number;
  /** False while new work is unwelcome (before the lease loop runs, and once stopping). */
  asking: () => boolean;
  complete: (results: JobResultInput[], max: number) => Promise<CompleteResponse>;
  start: (lease: Lease) => void;
}

/** The reporter's send: results out, the slots no request in flight asks for asked with them, new leases started. */
export function askingComplete(d: AskingCompleteDeps): (results: JobResultInput[]) => Promise<Ack[]> {
  return async (results) => {
    const max = d.asking() ? d.asks.uncovered(d.free()) : 0;
    d.asks.completes += max;
    try {
      const res = await d.complete(results, max);
      for (const l of res.leases) if (d.asking()) d.start(l); // not asking: the control plane re-queues them when we leave
      return res.acks;
    } finally {
      d.asks.completes -= max; // the reporter's afterSend has the lease loop look at what is left uncovered
    }
  };
}

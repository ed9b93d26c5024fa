import type { Ack, JobResultInput as JobResult } from '../../control-plane/src/contract/agents';
import { LIMITS } from '../../control-plane/src/contract/common';
import { TitanApiError } from '../../sdk/ts/client';
import { backoffDelay } from './backoff';
import { isPermanent } from './outbox';

export interface ReporterOptions {
  send: (results: JobResult[]) => Promise<Ack[]>;
  /** A result is off our hands: acknowledged, refused as stale, or dropped. */
  onSettled: (leaseId: string, ack: Ack | null) => void;
  /** The control plane no longer knows this agent (404): re-register. */
  onAgentGone: () => void;
  /** After each send, answered or not, once its results are settled or pending again. */
  afterSend?: () => void;
  log?: (line: string) => void;
  /**
   * Results finishing within this window go in one request. 0 (the default): those of the same
   * turn of the event loop, after the lease loop had its chance to carry them on a lease request.
   */
  batchMs?: number;
  backoff?: (attempt: number) => number;
}

/**
 * Finished-job results on their way to the control plane. The lease loop takes them to
 * piggy-back on its next lease request; whatever it does not take within `batchMs` is
 * sent with `complete`, retried with backoff until acknowledged or until `close()`, which hands
 * back what is left for the on-disk outbox. An ack with accepted:false (a stale lease) is final too.
 */
export class ResultReporter {
  private pending: JobResult[] = [];
  private timer: (() => void) | undefined; // cancels the scheduled send
  private sending: JobResult[] | undefined;
  private closed = false;
  private failures = 0;
  private waiters: Array<() => void> = [];

  constructor(private readonly opts: ReporterOptions) {}

  get size(): number {
    return this.pending.length;
  }

  /** Results waiting to be sent, or being sent: a complete is coming that asks for their slots. */
  get busy(): boolean {
    return this.pending.length > 0 || this.sending !== undefined;
  }

  add(r: JobResult): void {
    this.pending.push(r);
    this.schedule(this.opts.batchMs ?? 0);
  }

  /** Take results to send with a lease request; give them back with `putBack` if it fails. */
  take(): JobResult[] {
    return this.pending.splice(0, LIMITS.maxLeaseBatch);
  }

  settle(sent: JobResult[], acks: Ack[]): void {
    const byId = new Map(acks.map((a) => [a.leaseId, a]));
    for (const r of sent) {
      const ack = byId.get(r.leaseId) ?? null;
      if (ack && !ack.accepted) this.opts.log?.(`result for lease ${r.leaseId} refused: ${ack.reason ?? 'stale lease'}`);
      this.opts.onSettled(r.leaseId, ack);
    }
    this.notify();
  }

  /** `failed`: the request that carried them failed (back off), rather than being dropped by us. */
  putBack(results: JobResult[], failed = true): void {
    this.pending.unshift(...results);
    if (failed) this.failures++;
    this.schedule(failed ? this.delay() : 0);
  }

  /**
   * Stop sending: no retry outlives the agent. Returns every result not yet acknowledged (those in
   * flight too: the control plane takes a resent result as stale, harmlessly) for the outbox.
   */
  close(): JobResult[] {
    this.closed = true;
    this.timer?.();
    this.timer = undefined;
    const left = [...(this.sending ?? []), ...this.pending];
    this.pending = [];
    for (const w of this.waiters.splice(0)) w();
    return left;
  }

  /** Drop results of leases the control plane declared lost. */
  forget(leaseId: string): void {
    this.pending = this.pending.filter((r) => r.leaseId !== leaseId);
    this.notify();
  }

  /** Sends what is pending now (e.g. at shutdown) and resolves when nothing is left. */
  drained(): Promise<void> {
    this.schedule(0);
    if (!this.pending.length && !this.sending) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  private delay(): number {
    return (this.opts.backoff ?? ((n) => backoffDelay(n)))(Math.max(0, this.failures - 1));
  }

  private schedule(ms: number): void {
    if (this.closed || this.sending || !this.pending.length) return;
    if (this.timer && ms > 0) return;
    this.timer?.();
    const fire = () => {
      this.timer = undefined;
      void this.sendNow();
    };
    // setImmediate, not a 1 ms timer: a chain's next job waits on this send.
    if (ms > 0) {
      const t = setTimeout(fire, ms);
      this.timer = () => clearTimeout(t);
    } else {
      const t = setImmediate(fire);
      this.timer = () => clearImmediate(t);
    }
  }

  private async sendNow(): Promise<void> {
    const batch = this.take();
    if (!batch.length) return this.notify();
    this.sending = batch;
    try {
      const acks = await this.opts.send(batch);
      this.failures = 0;
      this.settle(batch, acks);
    } catch (err) {
      if (err instanceof TitanApiError && err.status === 404) {
        // Our agent id is gone, and with it these leases: the control plane re-queued the jobs.
        this.opts.onAgentGone();
        for (const r of batch) this.opts.onSettled(r.leaseId, null);
      } else if (isPermanent(err)) {
        this.opts.log?.(`results dropped: ${(err as Error).message}`);
        for (const r of batch) this.opts.onSettled(r.leaseId, null);
      } else if (!this.closed) {
        this.pending.unshift(...batch);
        this.failures++;
      }
    } finally {
      this.sending = undefined;
      if (this.pending.length) this.schedule(this.failures ? this.delay() : 0);
      this.notify();
      this.opts.afterSend?.();
    }
  }

  private notify(): void {
    if (this.pending.length || this.sending) return;
    for (const w of this.waiters.splice(0)) w();
  }
}

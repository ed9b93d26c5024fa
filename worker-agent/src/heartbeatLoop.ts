import type { HeartbeatResponse } from '../../control-plane/src/contract/agents';
import type { TitanHttpClient } from '../../sdk/ts/client';
import { Waker } from './backoff';
import type { JobTable, RunningJob } from './jobTable';
import { agentGone, type Registration } from './register';

type HeartbeatRequest = Parameters<TitanHttpClient['heartbeat']>[1];

/** Keep alive every held lease (running, or result not yet acknowledged); report each service's state. */
export function heartbeatRequest(running: RunningJob[], held: string[], gpus?: HeartbeatRequest['gpus']): HeartbeatRequest {
  const services = running.flatMap((r) => {
    const s = r.handle.service();
    return s ? [{ leaseId: r.lease.leaseId, state: s.state, restarts: s.restarts, health: s.health, lastExit: s.lastExit }] : [];
  });
  return { leases: held, services, ...(gpus ? { gpus } : {}) };
}

export type HeartbeatAction = { leaseId: string; kill: 'cancel' | 'stop' } | { leaseId: string; lose: true };

/**
 * What a heartbeat answer means for our jobs: a cancel or stop order ends that job if it
 * still runs; a lost lease is given up whether it runs or only waits for its result's ack.
 */
export function heartbeatActions(res: Pick<HeartbeatResponse, 'orders' | 'lost'>, isRunning: (leaseId: string) => boolean): HeartbeatAction[] {
  const orders = res.orders.filter((o) => isRunning(o.leaseId)).map((o): HeartbeatAction => ({ leaseId: o.leaseId, kill: o.action === 'stop' ? 'stop' : 'cancel' }));
  return [...orders, ...res.lost.map((leaseId): HeartbeatAction => ({ leaseId, lose: true }))];
}

/** Carry out what `heartbeatActions` decided (also for the orders a lease answer brings). */
export function applyActions(actions: HeartbeatAction[], table: JobTable, lose: (leaseId: string) => void): void {
  for (const a of actions) {
    if ('lose' in a) lose(a.leaseId);
    else table.get(a.leaseId)?.handle.kill(a.kill);
  }
}

export interface HeartbeatLoopDeps {
  client: TitanHttpClient;
  registration: Registration;
  table: JobTable;
  /** Give up a lease: kill its job, drop its result. */
  lose: (leaseId: string) => void;
  linkUp: () => void;
  log: (line: string) => void;
  /** The GPUs as last read, when this agent watches them (gpuWatch.ts). */
  gpus?: () => NonNullable<HeartbeatRequest['gpus']>;
}

/** Every `registration.heartbeatMs` (or at once on `now()`): keep leases alive and apply the answer. */
export class HeartbeatLoop {
  private stopped = false;
  /** `now()` was asked while a beat was on its way: beat again at once, so no change waits a whole interval. */
  private again = false;
  private readonly waker = new Waker();

  constructor(private readonly d: HeartbeatLoopDeps) {}

  /** Beat now (a service changed state) instead of at the next interval. */
  now(): void {
    this.again = true;
    this.waker.wake();
  }

  stop(): void {
    this.stopped = true;
    this.waker.wake();
  }

  /** Runs until `stop()`. */
  async run(): Promise<void> {
    const { client, registration, table } = this.d;
    let failing = false;
    while (!this.stopped) {
      if (!this.again) await this.waker.sleep(registration.heartbeatMs);
      this.again = false;
      if (this.stopped) break;
      try {
        const res = await client.heartbeat(registration.id, heartbeatRequest(table.jobs(), table.heldLeases(), this.d.gpus?.()));
        if (failing) this.d.log('control plane reachable again');
        failing = false;
        this.d.linkUp();
        applyActions(heartbeatActions(res, (id) => table.has(id)), table, this.d.lose);
      } catch (err) {
        if (agentGone(err)) await registration.reregister();
        else if (!failing) this.d.log(`heartbeat failed: ${(err as Error).message}`);
        failing = true;
      }
    }
  }
}

import type { Lease } from '../../control-plane/src/contract/agents';
import type { JobHandle } from './runners/job';

export interface RunningJob {
  lease: Lease;
  handle: JobHandle;
}

/**
 * The agent's slots. A lease is `running` while its process lives (it takes a slot) and
 * `held` until its result is off our hands (acknowledged, refused or dropped): held leases
 * are the ones the heartbeat keeps alive, so the control plane does not re-queue a job whose
 * result is still on its way.
 */
export class JobTable {
  private readonly running = new Map<string, RunningJob>();
  private readonly held = new Set<string>();
  private readonly freed = new Set<() => void>();

  constructor(readonly slots: number) {}

  get size(): number {
    return this.running.size;
  }

  /** Slots free for new leases. */
  get free(): number {
    return this.slots - this.running.size;
  }

  has(leaseId: string): boolean {
    return this.running.has(leaseId);
  }

  get(leaseId: string): RunningJob | undefined {
    return this.running.get(leaseId);
  }

  jobs(): RunningJob[] {
    return [...this.running.values()];
  }

  add(lease: Lease, handle: JobHandle): void {
    this.running.set(lease.leaseId, { lease, handle });
    this.held.add(lease.leaseId);
  }

  /** Its process is gone: the slot is free (the lease stays held until `release`). */
  finished(leaseId: string): void {
    this.running.delete(leaseId);
    for (const f of [...this.freed]) f();
  }

  isHeld(leaseId: string): boolean {
    return this.held.has(leaseId);
  }

  release(leaseId: string): void {
    this.held.delete(leaseId);
  }

  heldLeases(): string[] {
    return [...this.held];
  }

  /** Calls `fn` each time a slot frees, until the returned function is called. */
  onSlotFree(fn: () => void): () => void {
    const listener = () => fn(); // its own identity: the same fn may listen twice
    this.freed.add(listener);
    return () => this.freed.delete(listener);
  }
}

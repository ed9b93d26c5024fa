import os from 'node:os';
import type { Lease, RegisterAgentResponse } from '../../control-plane/src/contract/agents';
import { TitanApiError, type TitanHttpClient } from '../../sdk/ts/client';
import { backoffDelay, sleep } from './backoff';
import type { Detected } from './capabilities';

/** The registration body, as the client takes it. */
export type RegisterAgentRequest = Parameters<TitanHttpClient['registerAgent']>[0];

/** hostname-pid, cut down to what the control plane accepts as an agent name. */
export function defaultName(host = os.hostname(), pid = process.pid): string {
  return `${host.replace(/[^A-Za-z0-9_.:@-]/g, '-').slice(0, 150) || 'agent'}-${pid}`;
}

/** Detected capabilities plus the extra tags (upper-cased), each once, in that order. */
export function mergeCapabilities(detected: string[], extra: string[] = []): string[] {
  return [...new Set([...detected, ...extra.map((c) => c.toUpperCase())])];
}

/**
 * What the agent tells the control plane about itself. It offers its CPUs, memory and GPUs to
 * jobs' resource asks, or nothing with `slotsOnly` (then only jobs asking for none come to it).
 */
export function registrationRequest(o: { name: string; capabilities: string[]; slots: number; ephemeral: boolean; detected: Detected; slotsOnly?: boolean }): RegisterAgentRequest {
  const { host, cpus, memoryMb, gpus, gpuError } = o.detected;
  const resources = o.slotsOnly ? { cpus: 0, memoryMb: 0, gpus: [], gpuError: null } : { cpus, memoryMb, gpus, gpuError };
  return { name: o.name, capabilities: o.capabilities, slots: o.slots, ephemeral: o.ephemeral, resources, info: { host, version: '0.1.0' } };
}

/** A refusal (bad token, bad request) will not change by retrying; unreachable, 5xx, 408, 429 may. */
export function registerRetryable(err: unknown): boolean {
  return !(err instanceof TitanApiError && err.status < 500 && err.status !== 408 && err.status !== 429);
}

/** The control plane answered 404 for our agent id: it forgot us (restart, or we were silent too long). */
export const agentGone = (err: unknown) => err instanceof TitanApiError && err.status === 404;

/** Leases whose jobs the control plane re-queued on (re-)registration: no longer ours to run. */
export function requeuedLeases(requeuedJobIds: string[], running: Lease[]): string[] {
  const requeued = new Set(requeuedJobIds);
  return running.filter((l) => requeued.has(l.job.id)).map((l) => l.leaseId);
}

export interface RegistrationOptions {
  client: TitanHttpClient;
  request: RegisterAgentRequest;
  /** Fixed heartbeat interval; unset: the one the control plane asks for. */
  heartbeatMs?: number;
  log: (line: string) => void;
  /** Called with the job ids the control plane re-queued when it (re-)registered us. */
  onRequeued: (jobIds: string[]) => void;
}

/** This agent's identity on the control plane: registers, and registers again when forgotten. */
export class Registration {
  id = '';
  heartbeatMs: number;
  private again: Promise<void> | undefined;

  constructor(private readonly o: RegistrationOptions) {
    this.heartbeatMs = o.heartbeatMs ?? 10_000;
  }

  /** Retries while the control plane is unreachable; throws when it refuses us. */
  async register(): Promise<void> {
    this.apply(await this.attempt());
  }

  /** After a 404: register again under the same name. Concurrent callers share one attempt. */
  reregister(): Promise<void> {
    this.again ??= (async () => {
      this.o.log(`control plane does not know agent ${this.id}; registering again as ${this.o.request.name}`);
      try {
        this.apply(await this.attempt());
      } catch (err) {
        this.o.log(`re-registration failed: ${(err as Error).message}`);
        await sleep(backoffDelay(3));
      } finally {
        this.again = undefined;
      }
    })();
    return this.again;
  }

  private async attempt(): Promise<RegisterAgentResponse> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.o.client.registerAgent(this.o.request);
      } catch (err) {
        if (!registerRetryable(err)) throw err;
        if (attempt === 0) this.o.log(`control plane unreachable, retrying: ${(err as Error).message}`);
        await sleep(backoffDelay(attempt));
      }
    }
  }

  private apply(res: RegisterAgentResponse): void {
    this.id = res.agentId;
    this.heartbeatMs = this.o.heartbeatMs ?? res.heartbeatMs;
    this.o.onRequeued(res.requeued);
  }
}

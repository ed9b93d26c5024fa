import type { GpuDevice } from '../../control-plane/src/contract/resources';
import { Waker } from './backoff';
import type { GpuReading } from './capabilities';

/** How often the GPUs are read again (free memory, devices gone or back, nvidia-smi failing or recovering). */
export const GPU_POLL_MS = 30_000;

export interface GpuReport {
  gpus: GpuDevice[];
  gpuError: string | null;
}

/**
 * The agent's GPUs as last read, re-read every `pollMs`. Each heartbeat carries the latest reading
 * (a few devices' worth of JSON), so a reading lost with a failed heartbeat goes with the next.
 */
export class GpuWatch {
  private latest: GpuReport;
  private stopped = false;
  private readonly waker = new Waker();

  constructor(
    first: GpuReport,
    private readonly read: () => Promise<GpuReading>,
    private readonly pollMs = GPU_POLL_MS,
  ) {
    this.latest = first;
  }

  report(): GpuReport {
    return this.latest;
  }

  start(): void {
    void (async () => {
      while (!this.stopped) {
        await this.waker.sleep(this.pollMs);
        if (this.stopped) break;
        const r = await this.read();
        this.latest = { gpus: r.gpus, gpuError: r.error };
      }
    })();
  }

  stop(): void {
    this.stopped = true;
    this.waker.wake();
  }
}

import type { LogLine, LogStream } from '../../control-plane/src/contract/logs';
import { LIMITS } from '../../control-plane/src/contract/common';
import { firstSeq } from '../../control-plane/src/contract/logs';
import { LineSplitter } from './lines';
import type { Outbox } from './outbox';

export interface ShipperOptions {
  jobId: string;
  /** The lease the attempt runs under: only its holder may write the job's log. */
  leaseId: string;
  run: number;
  attempt: number;
  outbox: Outbox;
  flushMs?: number;
  maxBatchBytes?: number;
  now?: () => number;
}

/**
 * The log lines of one job attempt: numbered, batched (by time and size) and handed to
 * the outbox in order. `close()` resolves once every line is acknowledged by the control
 * plane — the job's result is only reported after that.
 */
export class LogShipper {
  private seq: number;
  private batch: LogLine[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
  private readonly flushMs: number;
  private readonly maxBatchBytes: number;
  private readonly now: () => number;

  constructor(private readonly opts: ShipperOptions) {
    this.seq = firstSeq(opts.attempt);
    this.flushMs = opts.flushMs ?? 100;
    this.maxBatchBytes = opts.maxBatchBytes ?? 64 * 1024;
    this.now = opts.now ?? Date.now;
  }

  /** A chunk of process output; complete lines are queued, the rest waits for its newline. */
  write(stream: 'stdout' | 'stderr', chunk: string): void {
    for (const text of this.splitters[stream].push(chunk)) this.line(stream, text);
  }

  /** A notable event written by the agent itself (start, exit code, timeout, restart). */
  system(text: string): void {
    this.line('system', text.slice(0, LIMITS.maxLogLineLength));
  }

  line(stream: LogStream, text: string): void {
    this.batch.push({ seq: this.seq++, ts: this.now(), stream, text });
    this.bytes += text.length + 48;
    if (this.bytes >= this.maxBatchBytes || this.batch.length >= LIMITS.maxLogLinesPerBatch) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  /** End of the process output: keep the partial last lines. */
  endStreams(): void {
    for (const s of ['stdout', 'stderr'] as const) for (const text of this.splitters[s].end()) this.line(s, text);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.batch.length) return;
    this.opts.outbox.push({ jobId: this.opts.jobId, body: { leaseId: this.opts.leaseId, run: this.opts.run, lines: this.batch } });
    this.batch = [];
    this.bytes = 0;
  }

  /** Flush everything and wait until the control plane has it (or the outbox closed: it is on disk). */
  async close(): Promise<void> {
    this.endStreams();
    this.flush();
    await this.opts.outbox.drained(this.opts.jobId, this.opts.run);
  }
}

import type { ResultTail } from '../../control-plane/src/contract/agents';
import type { LogLine, LogStream } from '../../control-plane/src/contract/logs';
import { LIMITS } from '../../control-plane/src/contract/common';
import { firstSeq } from '../../control-plane/src/contract/logs';
import { LineSplitter } from './lines';
import type { Outbox } from './outbox';

/**
 * The most a tail riding with a result may hold (contract/agents ResultTail): a trivial job's whole
 * log fits; a chatty one's last lines go the usual way, so a lease request stays small.
 */
export const TAIL_MAX_LINES = 64;
export const TAIL_MAX_BYTES = 32 * 1024;

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

  /**
   * The attempt is over (its process gone, no line comes after): wait until every batch already
   * handed to the outbox is acknowledged, then give back what is left, when small, as the tail
   * to send with the job's result, saving a request of its own. The order holds: the control
   * plane stores a tail only after everything before it. Null when nothing was left, or when it
   * was too big and went through the outbox (acknowledged too, when this resolves).
   */
  async finish(): Promise<ResultTail | null> {
    this.endStreams();
    clearTimeout(this.timer);
    this.timer = undefined;
    const { jobId, run, outbox } = this.opts;
    await outbox.drained(jobId, run);
    if (!this.batch.length) return null;
    if (this.batch.length > TAIL_MAX_LINES || this.bytes > TAIL_MAX_BYTES) {
      await this.close();
      return null;
    }
    const tail = { jobId, run, lines: this.batch };
    this.batch = [];
    this.bytes = 0;
    return tail;
  }
}

import fs from 'node:fs';
import path from 'node:path';
import type { JobResultInput as JobResult } from '../../control-plane/src/contract/agents';
import type { AppendLogsRequest } from '../../control-plane/src/contract/logs';
import { Waker, backoffDelay } from './backoff';
import { TitanApiError } from '../../sdk/ts/client';

/** One batch of log lines bound for one job run. */
export interface LogBatch {
  jobId: string;
  body: AppendLogsRequest;
}

interface Entry {
  id: number;
  key: string;
  batch?: LogBatch; // in memory, or
  file?: string; // spilled to disk
  bytes: number;
}

export interface OutboxOptions {
  dir: string;
  send: (b: LogBatch) => Promise<void>;
  /** Bytes held in memory before new batches go to disk. */
  memoryLimit?: number;
  /** Batches sent at once (never two of the same run, which keeps each run in order). */
  concurrency?: number;
  log?: (line: string) => void;
  backoff?: (attempt: number) => number;
}

/**
 * Errors that will not get better by retrying (bad request, unknown job, bad token; a 409 or 404
 * for logs of a lease that is no longer the job's: stale lines are dropped, not retried forever).
 */
export function isPermanent(err: unknown): boolean {
  return err instanceof TitanApiError && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429;
}

const keyOf = (b: LogBatch) => `${b.jobId}\u0000${b.body.run}`;

/**
 * Log batches waiting for the control plane's ack. Kept in order per run, bounded in
 * memory (the rest spills to `dir`, one file per batch, named so they sort in order),
 * retried with backoff until acknowledged; the control plane dedupes a resent batch by seq.
 * Files left by a previous process are loaded first, so a restart loses nothing either.
 */
export class Outbox {
  private queue: Entry[] = [];
  private inflight = new Set<string>();
  private memBytes = 0;
  private nextId = 0;
  private failures = 0;
  private waker = new Waker();
  private idle: Array<{ key?: string; resolve: () => void }> = [];
  private paused = false;
  private closed = false;
  private readonly memoryLimit: number;
  private readonly concurrency: number;

  constructor(private readonly opts: OutboxOptions) {
    this.memoryLimit = opts.memoryLimit ?? 16 * 1024 * 1024;
    this.concurrency = opts.concurrency ?? 4;
    fs.mkdirSync(opts.dir, { recursive: true });
    for (const name of fs.readdirSync(opts.dir).filter((n) => n.endsWith('.json')).sort()) {
      const file = path.join(opts.dir, name);
      try {
        const batch = JSON.parse(fs.readFileSync(file, 'utf8')) as LogBatch;
        this.queue.push({ id: this.nextId++, key: keyOf(batch), file, bytes: 0 });
      } catch {
        fs.rmSync(file, { force: true }); // a torn write from a crash: nothing to resend
      }
    }
  }

  get pending(): number {
    return this.queue.length;
  }

  get spilled(): number {
    return this.queue.filter((e) => e.file).length;
  }

  push(batch: LogBatch): void {
    const json = JSON.stringify(batch);
    const e: Entry = { id: this.nextId++, key: keyOf(batch), bytes: json.length };
    if (this.memBytes + json.length > this.memoryLimit) {
      // Spill: the name sorts by time then id, so a reload keeps the order.
      e.file = path.join(this.opts.dir, `${Date.now().toString().padStart(15, '0')}-${String(e.id).padStart(9, '0')}.json`);
      fs.writeFileSync(e.file + '.tmp', json);
      fs.renameSync(e.file + '.tmp', e.file);
      e.bytes = 0;
    } else {
      e.batch = batch;
      this.memBytes += e.bytes;
    }
    this.queue.push(e);
    this.pump();
  }

  /** Resolves when nothing for that job run (or, without arguments, nothing at all) is waiting. */
  drained(jobId?: string, run?: number): Promise<void> {
    const key = jobId === undefined ? undefined : `${jobId}\u0000${run}`;
    if (this.closed || !this.queue.some((e) => key === undefined || e.key === key)) return Promise.resolve();
    return new Promise((resolve) => this.idle.push({ key, resolve }));
  }

  /** The link is back (another call just succeeded): retry now instead of after the backoff. */
  kick(): void {
    this.failures = 0;
    this.waker.wake();
  }

  /** Start sending what was loaded from disk. */
  start(): void {
    this.pump();
  }

  /**
   * The agent is stopping: send nothing more, retry nothing, and keep every unacknowledged batch on
   * disk (renamed in queue order) for the next agent on this workdir. Everyone waiting for a run's
   * logs is let go. Returns how many batches were left.
   */
  close(): number {
    this.closed = true;
    this.waker.wake();
    const prefix = Date.now().toString().padStart(15, '0');
    this.queue.forEach((e, i) => {
      const file = path.join(this.opts.dir, `${prefix}-${String(i).padStart(9, '0')}.json`);
      try {
        if (e.file) fs.renameSync(e.file, file);
        else fs.writeFileSync(file, JSON.stringify(e.batch));
        e.file = file;
        e.batch = undefined;
      } catch (err) {
        this.opts.log?.(`outbox: could not keep a log batch on disk: ${(err as Error).message}`);
      }
    });
    for (const w of this.idle.splice(0)) w.resolve();
    return this.queue.length;
  }

  /** Send the oldest waiting batch of every run not already in flight, up to the concurrency. */
  private pump(): void {
    if (this.paused || this.closed) return;
    for (const e of this.queue) {
      if (this.inflight.size >= this.concurrency) break;
      if (this.inflight.has(e.key)) continue; // its run is busy: order within a run is kept
      this.inflight.add(e.key);
      void this.sendOne(e).then((res) => {
        this.inflight.delete(e.key);
        if (res === 'retry') return this.retryLater();
        this.failures = 0;
        this.pump();
      });
    }
  }

  /** The link is down: pause everything for one backoff period (or until `kick`). */
  private retryLater(): void {
    if (this.paused || this.closed) return;
    this.paused = true;
    const delay = (this.opts.backoff ?? ((n) => backoffDelay(n, { capMs: 5000 })))(this.failures++);
    void this.waker.sleep(delay).then(() => {
      this.paused = false;
      this.pump();
    });
  }

  private async sendOne(e: Entry): Promise<'ok' | 'retry'> {
    try {
      const batch = e.batch ?? (JSON.parse(fs.readFileSync(e.file!, 'utf8')) as LogBatch);
      try {
        await this.opts.send(batch);
      } catch (err) {
        if (!isPermanent(err)) return 'retry';
        this.opts.log?.(`logs for ${batch.jobId} dropped: ${(err as Error).message}`);
      }
      this.remove(e);
      return 'ok';
    } catch (err) {
      this.opts.log?.(`outbox entry unreadable, dropped: ${(err as Error).message}`);
      this.remove(e);
      return 'ok';
    }
  }

  private remove(e: Entry): void {
    const at = this.queue.indexOf(e);
    if (at < 0) return;
    this.queue.splice(at, 1);
    if (e.file) fs.rmSync(e.file, { force: true });
    else this.memBytes -= e.bytes;
    this.idle = this.idle.filter((w) => {
      if (this.queue.some((q) => w.key === undefined || q.key === w.key)) return true;
      w.resolve();
      return false;
    });
  }
}

/**
 * Results that could not be delivered before the agent stopped, kept in `dir` for the next agent on
 * the same workdir (the control plane takes a late result while the job was not leased again).
 */
export const resultFiles = {
  save(dir: string, results: JobResult[]): void {
    if (!results.length) return;
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${Date.now().toString().padStart(15, '0')}-${process.pid}.json`);
    fs.writeFileSync(file + '.tmp', JSON.stringify(results));
    fs.renameSync(file + '.tmp', file);
  },
  /** Reads and removes what is there: a clean stop writes back whatever is still unsent. */
  take(dir: string): JobResult[] {
    if (!fs.existsSync(dir)) return [];
    const out: JobResult[] = [];
    for (const name of fs.readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      try {
        if (name.endsWith('.json')) out.push(...(JSON.parse(fs.readFileSync(file, 'utf8')) as JobResult[]));
      } catch {
        /* a torn write from a crash: nothing to resend */
      }
      fs.rmSync(file, { force: true });
    }
    return out;
  },
};

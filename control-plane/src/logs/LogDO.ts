import { DurableObject } from 'cloudflare:workers';
import type { LogLine } from '../contract/logs';
import { settingsOf } from '../config';
import type { Env } from '../env';
import { readChunks } from './chunks';
import { Followers, sseLine, type Follower } from './followers';
import { dropLegacyLog, hasLegacyLog, legacyNewestRun, legacyRead } from './legacyLog';
import { legacyLogName, mergeReads, nextSweepAt, SWEEP_BATCH, type RunRead } from './shard';

/**
 * `log_jobs` holds one row per job: how many of its lines are in SQLite (the bound that rolls them
 * to R2) and when it was last written (retention). `log_doomed` holds R2 chunks of swept logs until
 * R2 has deleted them. WITHOUT ROWID: the key is the table, so a line is stored once.
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS log_lines (job TEXT NOT NULL, run INTEGER NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL, stream TEXT NOT NULL, text TEXT NOT NULL, PRIMARY KEY (job, run, seq)) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS log_chunks (job TEXT NOT NULL, run INTEGER NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL, key TEXT NOT NULL, PRIMARY KEY (job, run, first)) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS log_jobs (job TEXT PRIMARY KEY, lines INTEGER NOT NULL, last_write INTEGER NOT NULL) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS log_jobs_silent ON log_jobs(last_write);
  CREATE TABLE IF NOT EXISTS log_doomed (key TEXT PRIMARY KEY) WITHOUT ROWID;
`;

type Row = LogLine & Record<string, SqlStorageValue>;

/**
 * One shard of the cluster's logs (logs/shard.ts picks it by job id): lines keyed by (job, run,
 * seq), so an agent that resends a batch after a network cut stores it once. A job's newest lines
 * stay in SQLite; past LOG_MAX_LINES its oldest are rolled to R2 as JSONL chunks, still readable
 * through `read`. One alarm per shard deletes the logs that have been silent a whole retention
 * period, chunks included, as the scheduler forgets the jobs themselves.
 *
 * The same class still answers for the per-job objects of older state dirs (`legacy*` methods,
 * logs/legacyLog.ts): a shard reads them when the scheduler says a job may have lines there.
 */
export class LogDO extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly followers = new Followers();
  private readonly maxLines: number;
  private readonly retentionMs: number;
  private schemaReady = false;
  /** Whether the sweep alarm is set; unknown until the first append of this instance asks. */
  private sweepArmed: boolean | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    const settings = settingsOf(env);
    this.maxLines = settings.logMaxLines;
    this.retentionMs = settings.jobRetentionMs;
  }

  override async alarm(): Promise<void> {
    if (this.isShard()) await this.sweep();
    else await dropLegacyLog(this.ctx.storage, this.env.ARTIFACTS);
  }

  /** Store a batch once (by seq). `lastSeq` (the run's highest stored seq) only when asked: POST /v1/jobs/{id}/logs answers it, a result's tail does not need it. */
  async append(jobId: string, run: number, lines: LogLine[], withLastSeq = false): Promise<{ stored: number; lastSeq?: number }> {
    this.shard();
    this.sweepArmed ??= (await this.ctx.storage.getAlarm()) !== null;
    const now = Date.now();
    const rolledUpTo = this.rolledUpTo(jobId, run);
    let stored = 0;
    const fresh: LogLine[] = [];
    for (const l of lines) {
      if (l.seq <= rolledUpTo) continue;
      const c = this.sql.exec('INSERT OR IGNORE INTO log_lines (job, run, seq, ts, stream, text) VALUES (?, ?, ?, ?, ?, ?)', jobId, run, l.seq, l.ts, l.stream, l.text);
      if (c.rowsWritten > 0) {
        stored++;
        fresh.push(l);
      }
    }
    // Every append pushes the end of retention back: only a silent log is ever deleted.
    const held = this.sql
      .exec<{ lines: number }>(
        'INSERT INTO log_jobs (job, lines, last_write) VALUES (?, ?, ?) ON CONFLICT(job) DO UPDATE SET lines = lines + excluded.lines, last_write = excluded.last_write RETURNING lines',
        jobId, stored, now,
      )
      .one().lines;
    if (!this.sweepArmed) {
      this.sweepArmed = true;
      void this.ctx.storage.setAlarm(this.oldestWrite()! + this.retentionMs);
    }
    if (fresh.length) this.followers.publish(jobId, run, fresh);
    const lastSeq = withLastSeq ? (this.sql.exec<{ s: number | null }>('SELECT MAX(seq) AS s FROM log_lines WHERE job = ? AND run = ?', jobId, run).one().s ?? rolledUpTo) : undefined;
    if (held > this.maxLines) await this.roll(jobId);
    return { stored, lastSeq };
  }

  /**
   * Lines of a run (the newest when `run` is null) after `after`. With `legacy` (the scheduler
   * says this job was first seen before logs were sharded) the job's old per-job object is read too.
   */
  async read(jobId: string, run: number | null, after: number, limit: number, legacy = false): Promise<RunRead> {
    this.shard();
    if (!legacy) return this.readShard(jobId, run ?? this.newestRun(jobId) ?? 1, after, limit);
    const old = this.env.LOGS.get(this.env.LOGS.idFromName(legacyLogName(jobId)));
    const r = run ?? (Math.max(this.newestRun(jobId) ?? 0, (await old.legacyNewestRun()) ?? 0) || 1);
    const [a, b] = await Promise.all([old.legacyRead(r, after, limit), this.readShard(jobId, r, after, limit)]);
    return mergeReads(a, b, after, limit);
  }

  /** Server-sent events of one job's run (query: job, run, after, legacy): its history after `after`, then live lines, with keep-alives. */
  override async fetch(request: Request): Promise<Response> {
    this.shard();
    const q = new URL(request.url).searchParams;
    const jobId = q.get('job') ?? '';
    const after = Number(q.get('after') ?? '0') || 0;
    const run = Number(q.get('run')) || (this.newestRun(jobId) ?? 1);
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    const enc = new TextEncoder();
    let closed = false;
    const follower: Follower = {
      run,
      write: (chunk) => {
        if (closed) return;
        writer.write(enc.encode(chunk)).catch(() => cleanup());
      },
    };
    const keepAlive = setInterval(() => follower.write(': keep-alive\n\n'), 15_000);
    const cleanup = () => {
      if (closed) return;
      closed = true;
      clearInterval(keepAlive);
      this.followers.remove(jobId, follower);
      writer.close().catch(() => {});
    };
    request.signal?.addEventListener('abort', cleanup);
    const history = await this.read(jobId, run, after, 100_000, q.get('legacy') === '1');
    // Lines appended while the history was read (from R2 or an old object) were published to
    // nobody: take them from SQLite now, in the same turn as joining the followers.
    const seen = history.lines.length ? history.lines[history.lines.length - 1]!.seq : after;
    const caughtUp = [...history.lines, ...this.linesAfter(jobId, run, seen, 100_000)];
    follower.write(`event: hello\ndata: ${JSON.stringify({ run })}\n\n`);
    for (const l of caughtUp) follower.write(sseLine(l));
    if (!closed) this.followers.add(jobId, follower);
    return new Response(readable, {
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' },
    });
  }

  // ------------------------------------------------------------------ the old per-job objects

  legacyNewestRun(): number | null {
    return legacyNewestRun(this.sql);
  }

  legacyRead(run: number, after: number, limit: number): Promise<RunRead> {
    return legacyRead(this.sql, this.env.ARTIFACTS, run, after, limit);
  }

  // ------------------------------------------------------------------ the shard's storage

  private shard(): void {
    if (this.schemaReady) return;
    this.sql.exec(SCHEMA);
    this.schemaReady = true;
  }

  private isShard(): boolean {
    if (this.schemaReady) return true;
    if (hasLegacyLog(this.sql)) return false;
    this.shard();
    return true;
  }

  private async readShard(jobId: string, run: number, after: number, limit: number): Promise<RunRead> {
    // Older lines may live in R2 chunks.
    const keys = this.sql.exec<{ key: string }>('SELECT key FROM log_chunks WHERE job = ? AND run = ? AND last > ? ORDER BY first', jobId, run, after).toArray().map((c) => c.key);
    const { lines, truncated } = await readChunks(this.env.ARTIFACTS, keys, after, limit);
    if (lines.length < limit) lines.push(...this.linesAfter(jobId, run, lines.length ? lines[lines.length - 1]!.seq : after, limit - lines.length));
    return { run, lines, next: lines.length ? lines[lines.length - 1]!.seq : after, truncated };
  }

  private linesAfter(jobId: string, run: number, after: number, limit: number): LogLine[] {
    return this.sql
      .exec<Row>('SELECT seq, ts, stream, text FROM log_lines WHERE job = ? AND run = ? AND seq > ? ORDER BY seq LIMIT ?', jobId, run, after, limit)
      .toArray()
      .map((r) => ({ seq: r.seq, ts: r.ts, stream: r.stream, text: r.text }));
  }

  private newestRun(jobId: string): number | null {
    return this.sql.exec<{ r: number | null }>('SELECT MAX(r) AS r FROM (SELECT MAX(run) AS r FROM log_lines WHERE job = ? UNION ALL SELECT MAX(run) FROM log_chunks WHERE job = ?)', jobId, jobId).one().r;
  }

  private oldestWrite(): number | null {
    return this.sql.exec<{ t: number | null }>('SELECT MIN(last_write) AS t FROM log_jobs').one().t;
  }

  private rolledUpTo(jobId: string, run: number): number {
    return this.sql.exec<{ s: number | null }>('SELECT MAX(last) AS s FROM log_chunks WHERE job = ? AND run = ?', jobId, run).one().s ?? 0;
  }

  /** Past the bound, the job's oldest run's oldest half goes to R2 as one JSONL chunk. */
  private async roll(jobId: string): Promise<void> {
    const oldestRun = this.sql.exec<{ r: number | null }>('SELECT MIN(run) AS r FROM log_lines WHERE job = ?', jobId).one().r;
    if (oldestRun === null) return;
    const batch = this.sql
      .exec<Row>('SELECT seq, ts, stream, text FROM log_lines WHERE job = ? AND run = ? ORDER BY seq LIMIT ?', jobId, oldestRun, Math.ceil(this.maxLines / 2))
      .toArray();
    if (!batch.length) return;
    const first = batch[0]!.seq;
    const last = batch[batch.length - 1]!.seq;
    // Unique per roll: a log swept and begun again never reuses a key the sweep is deleting.
    const key = `logs/${encodeURIComponent(jobId)}/${oldestRun}/${String(first).padStart(12, '0')}-${Date.now().toString(36)}.jsonl`;
    await this.env.ARTIFACTS.put(key, batch.map((l) => JSON.stringify({ seq: l.seq, ts: l.ts, stream: l.stream, text: l.text })).join('\n') + '\n');
    if (this.sql.exec('SELECT 1 FROM log_jobs WHERE job = ?', jobId).toArray().length === 0) {
      this.sql.exec('INSERT OR IGNORE INTO log_doomed (key) VALUES (?)', key); // swept while the chunk was written
      return;
    }
    this.sql.exec('INSERT OR REPLACE INTO log_chunks (job, run, first, last, key) VALUES (?, ?, ?, ?, ?)', jobId, oldestRun, first, last, key);
    const gone = this.sql.exec('DELETE FROM log_lines WHERE job = ? AND run = ? AND seq BETWEEN ? AND ?', jobId, oldestRun, first, last).rowsWritten;
    this.sql.exec('UPDATE log_jobs SET lines = MAX(0, lines - ?) WHERE job = ?', gone, jobId);
  }

  /**
   * The shard's one alarm: drop the logs silent for a whole retention period, a batch at a time.
   * Rows go first, in one synchronous step (a line arriving meanwhile starts a new log); their R2
   * chunks are remembered in `log_doomed` and deleted after, so a failed delete is tried again.
   */
  private async sweep(): Promise<void> {
    const now = Date.now();
    const expired = this.sql
      .exec<{ job: string }>('SELECT job FROM log_jobs WHERE last_write <= ? ORDER BY last_write LIMIT ?', now - this.retentionMs, SWEEP_BATCH)
      .toArray()
      .map((r) => r.job);
    this.ctx.storage.transactionSync(() => {
      for (const job of expired) {
        this.sql.exec('INSERT OR IGNORE INTO log_doomed (key) SELECT key FROM log_chunks WHERE job = ?', job);
        this.sql.exec('DELETE FROM log_chunks WHERE job = ?', job);
        this.sql.exec('DELETE FROM log_lines WHERE job = ?', job);
        this.sql.exec('DELETE FROM log_jobs WHERE job = ?', job);
      }
    });
    const doomed = this.sql.exec<{ key: string }>('SELECT key FROM log_doomed LIMIT 1000').toArray().map((r) => r.key);
    if (doomed.length) {
      await this.env.ARTIFACTS.delete(doomed);
      for (const key of doomed) this.sql.exec('DELETE FROM log_doomed WHERE key = ?', key);
    }
    const oldest = this.oldestWrite();
    const chunksLeft = this.sql.exec('SELECT 1 FROM log_doomed LIMIT 1').toArray().length > 0;
    const next = nextSweepAt(Date.now(), this.retentionMs, oldest, expired.length === SWEEP_BATCH, chunksLeft);
    this.sweepArmed = next !== null;
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }
}

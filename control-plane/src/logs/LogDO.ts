import { DurableObject } from 'cloudflare:workers';
import type { LogLine, LogsResponse } from '../contract/logs';
import { settingsOf } from '../config';
import type { Env } from '../env';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS lines (run INTEGER NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL, stream TEXT NOT NULL, text TEXT NOT NULL, PRIMARY KEY (run, seq));
  CREATE TABLE IF NOT EXISTS chunks (run INTEGER NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL, key TEXT NOT NULL, PRIMARY KEY (run, first));
  CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
`;

interface Subscriber {
  run: number;
  write: (chunk: string) => void;
}

/**
 * The log of one job id, all its runs. Lines are keyed by (run, seq) so an agent that resends a
 * batch after a network cut stores it once. The newest lines stay in SQLite; past LOG_MAX_LINES the
 * oldest are rolled to R2 as JSONL chunks, still readable through `read`. A log that has been
 * silent for the job retention period is deleted whole, chunks included, as the scheduler forgets
 * the job itself.
 */
export class LogDO extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly subscribers = new Set<Subscriber>();
  private readonly maxLines: number;
  private readonly retentionMs: number;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    const settings = settingsOf(env);
    this.maxLines = settings.logMaxLines;
    this.retentionMs = settings.jobRetentionMs;
    this.sql.exec(SCHEMA);
  }

  /** Silent for a whole retention period: drop this log, its R2 chunks first. */
  override async alarm(): Promise<void> {
    for (const { key } of this.sql.exec<{ key: string }>('SELECT key FROM chunks').toArray()) await this.env.ARTIFACTS.delete(key);
    await this.ctx.storage.deleteAll();
    this.sql.exec(SCHEMA); // this instance may live on and take new lines
  }

  async append(jobId: string, run: number, lines: LogLine[]): Promise<{ stored: number; lastSeq: number }> {
    let stored = 0;
    const fresh: LogLine[] = [];
    const rolledUpTo = this.rolledUpTo(run);
    for (const l of lines) {
      if (l.seq <= rolledUpTo) continue;
      const c = this.sql.exec('INSERT OR IGNORE INTO lines (run, seq, ts, stream, text) VALUES (?, ?, ?, ?, ?)', run, l.seq, l.ts, l.stream, l.text);
      if (c.rowsWritten > 0) {
        stored++;
        fresh.push(l);
      }
    }
    this.sql.exec("INSERT INTO meta (k, v) VALUES ('job', ?) ON CONFLICT(k) DO NOTHING", jobId);
    if (fresh.length) this.publish(run, fresh);
    // Every append pushes the end of retention back: only a silent log is ever deleted.
    void this.ctx.storage.setAlarm(Date.now() + this.retentionMs);
    const lastSeq = this.sql.exec<{ s: number | null }>('SELECT MAX(seq) AS s FROM lines WHERE run = ?', run).one().s ?? rolledUpTo;
    await this.rollIfFull(jobId);
    return { stored, lastSeq };
  }

  async read(run: number | null, after: number, limit: number): Promise<Omit<LogsResponse, 'jobId'>> {
    const r = run ?? this.newestRun();
    const lines: LogLine[] = [];
    let truncated = false;
    // Older lines may live in R2 chunks.
    for (const ch of this.sql.exec<{ first: number; last: number; key: string }>('SELECT first, last, key FROM chunks WHERE run = ? AND last > ? ORDER BY first', r, after).toArray()) {
      if (lines.length >= limit) break;
      const obj = await this.env.ARTIFACTS.get(ch.key);
      if (!obj) {
        truncated = true;
        continue;
      }
      for (const row of (await obj.text()).split('\n')) {
        if (!row) continue;
        const l = JSON.parse(row) as LogLine;
        if (l.seq > after && lines.length < limit) lines.push(l);
      }
    }
    if (lines.length < limit) {
      const from = lines.length ? lines[lines.length - 1].seq : after;
      for (const row of this.sql.exec<LogLine & Record<string, SqlStorageValue>>('SELECT seq, ts, stream, text FROM lines WHERE run = ? AND seq > ? ORDER BY seq LIMIT ?', r, from, limit - lines.length)) {
        lines.push({ seq: row.seq, ts: row.ts, stream: row.stream, text: row.text });
      }
    }
    return { run: r, lines, next: lines.length ? lines[lines.length - 1].seq : after, truncated };
  }

  /** Server-sent events: history after `after`, then live lines of that run, with keep-alives. */
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const after = Number(url.searchParams.get('after') ?? '0') || 0;
    const runParam = url.searchParams.get('run');
    const run = runParam ? Number(runParam) : this.newestRun();
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    const enc = new TextEncoder();
    let closed = false;
    const sub: Subscriber = {
      run,
      write: (chunk) => {
        if (closed) return;
        writer.write(enc.encode(chunk)).catch(() => cleanup());
      },
    };
    const keepAlive = setInterval(() => sub.write(': keep-alive\n\n'), 15_000);
    const cleanup = () => {
      if (closed) return;
      closed = true;
      clearInterval(keepAlive);
      this.subscribers.delete(sub);
      writer.close().catch(() => {});
    };
    request.signal?.addEventListener('abort', cleanup);
    const history = await this.read(run, after, 100_000);
    sub.write(`event: hello\ndata: ${JSON.stringify({ run })}\n\n`);
    for (const l of history.lines) sub.write(sseLine(l));
    this.subscribers.add(sub);
    return new Response(readable, {
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' },
    });
  }

  private publish(run: number, lines: LogLine[]): void {
    for (const s of this.subscribers) if (s.run === run) for (const l of lines) s.write(sseLine(l));
  }

  private newestRun(): number {
    return this.sql.exec<{ r: number | null }>('SELECT MAX(r) AS r FROM (SELECT MAX(run) AS r FROM lines UNION ALL SELECT MAX(run) FROM chunks)').one().r ?? 1;
  }

  private rolledUpTo(run: number): number {
    return this.sql.exec<{ s: number | null }>('SELECT MAX(last) AS s FROM chunks WHERE run = ?', run).one().s ?? 0;
  }

  /** Past the bound, the oldest run's oldest half goes to R2 as one JSONL chunk. */
  private async rollIfFull(jobId: string): Promise<void> {
    const n = this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM lines').one().n;
    if (n <= this.maxLines) return;
    const oldestRun = this.sql.exec<{ r: number }>('SELECT MIN(run) AS r FROM lines').one().r;
    const batch = this.sql
      .exec<LogLine & Record<string, SqlStorageValue>>('SELECT seq, ts, stream, text FROM lines WHERE run = ? ORDER BY seq LIMIT ?', oldestRun, Math.ceil(this.maxLines / 2))
      .toArray();
    if (!batch.length) return;
    const first = batch[0].seq;
    const last = batch[batch.length - 1].seq;
    const key = `logs/${encodeURIComponent(jobId)}/${oldestRun}/${String(first).padStart(12, '0')}.jsonl`;
    await this.env.ARTIFACTS.put(key, batch.map((l) => JSON.stringify({ seq: l.seq, ts: l.ts, stream: l.stream, text: l.text })).join('\n') + '\n');
    this.sql.exec('INSERT OR REPLACE INTO chunks (run, first, last, key) VALUES (?, ?, ?, ?)', oldestRun, first, last, key);
    this.sql.exec('DELETE FROM lines WHERE run = ? AND seq BETWEEN ? AND ?', oldestRun, first, last);
  }
}

function sseLine(l: LogLine): string {
  return `id: ${l.seq}\ndata: ${JSON.stringify(l)}\n\n`;
}

/**
 * The per-job log objects of state dirs written before shards (one LogDO per job id, tables
 * `lines` and `chunks`). Nothing writes to them any more: a shard reads them for jobs first seen
 * before the cluster sharded its logs, and each deletes itself when its old retention alarm
 * fires. An object that never held a log has no tables, and reading it creates none.
 */
import type { LogLine } from '../contract/logs';
import { readChunks } from './chunks';
import type { RunRead } from './shard';

type Row = LogLine & Record<string, SqlStorageValue>;

export function hasLegacyLog(sql: SqlStorage): boolean {
  return sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'lines'").one().n > 0;
}

export function legacyNewestRun(sql: SqlStorage): number | null {
  if (!hasLegacyLog(sql)) return null;
  return sql.exec<{ r: number | null }>('SELECT MAX(r) AS r FROM (SELECT MAX(run) AS r FROM lines UNION ALL SELECT MAX(run) FROM chunks)').one().r;
}

/** Lines of `run` after `after`, older ones from R2 chunks first, as the per-job object served them. */
export async function legacyRead(sql: SqlStorage, bucket: R2Bucket, run: number, after: number, limit: number): Promise<RunRead> {
  if (!hasLegacyLog(sql)) return { run, lines: [], next: after, truncated: false };
  const keys = sql.exec<{ key: string }>('SELECT key FROM chunks WHERE run = ? AND last > ? ORDER BY first', run, after).toArray().map((c) => c.key);
  const { lines, truncated } = await readChunks(bucket, keys, after, limit);
  const from = lines.length ? lines[lines.length - 1]!.seq : after;
  for (const r of sql.exec<Row>('SELECT seq, ts, stream, text FROM lines WHERE run = ? AND seq > ? ORDER BY seq LIMIT ?', run, from, limit - lines.length)) {
    lines.push({ seq: r.seq, ts: r.ts, stream: r.stream, text: r.text });
  }
  return { run, lines, next: lines.length ? lines[lines.length - 1]!.seq : after, truncated };
}

/** The old retention alarm fired: the log was silent a whole period. Its R2 chunks go first. */
export async function dropLegacyLog(storage: DurableObjectStorage, bucket: R2Bucket): Promise<void> {
  if (hasLegacyLog(storage.sql)) {
    const keys = storage.sql.exec<{ key: string }>('SELECT key FROM chunks').toArray().map((c) => c.key);
    for (let i = 0; i < keys.length; i += 1000) await bucket.delete(keys.slice(i, i + 1000));
  }
  await storage.deleteAll();
}

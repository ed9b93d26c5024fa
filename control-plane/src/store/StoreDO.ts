import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';

/** One shard of TitanStore: strings and sets, byte-exact UTF-8. */
export class StoreDO extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS sets (key TEXT NOT NULL, member TEXT NOT NULL, PRIMARY KEY (key, member));
    `);
  }

  put(key: string, value: string): void {
    this.sql.exec('INSERT INTO kv (key, value, updated) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated = excluded.updated', key, value, Date.now());
  }

  get(key: string): string | null {
    return this.sql.exec<{ value: string }>('SELECT value FROM kv WHERE key = ?', key).toArray()[0]?.value ?? null;
  }

  delete(key: string): void {
    this.sql.exec('DELETE FROM kv WHERE key = ?', key);
    this.sql.exec('DELETE FROM sets WHERE key = ?', key);
  }

  /** 1 when the member is new, 0 when it was there. */
  sadd(key: string, member: string): 0 | 1 {
    const cur = this.sql.exec('INSERT OR IGNORE INTO sets (key, member) VALUES (?, ?)', key, member);
    return cur.rowsWritten > 0 ? 1 : 0;
  }

  smembers(key: string): string[] {
    return this.sql.exec<{ member: string }>('SELECT member FROM sets WHERE key = ? ORDER BY rowid', key).toArray().map((r) => r.member);
  }

  keys(prefix: string, limit: number): { key: string; kind: 'string' | 'set'; size: number }[] {
    // A range over the primary key, not LIKE: any prefix (long, with % or _) is just a bound.
    const hi = prefix + '\u{10FFFF}';
    const strings = this.sql
      .exec<{ key: string; size: number }>('SELECT key, LENGTH(CAST(value AS BLOB)) AS size FROM kv WHERE key >= ? AND key < ? ORDER BY key LIMIT ?', prefix, hi, limit)
      .toArray()
      .map((r) => ({ key: r.key, kind: 'string' as const, size: r.size }));
    const sets = this.sql
      .exec<{ key: string; size: number }>('SELECT key, COUNT(*) AS size FROM sets WHERE key >= ? AND key < ? GROUP BY key ORDER BY key LIMIT ?', prefix, hi, limit)
      .toArray()
      .map((r) => ({ key: r.key, kind: 'set' as const, size: r.size }));
    return [...strings, ...sets];
  }
}

import { DurableObject } from 'cloudflare:workers';
import { storeKeyDecision } from '../core/approval';
import { clusterOf } from '../cluster/stub';
import { settingsOf } from '../config';
import type { Env } from '../env';
import { reserveWal } from '../lib/walReserve';
import { kvNeedsRebuild, kvTable, SETS_TABLE } from './schema';
import { answerStoreMessage, homeOf, HOME_HEADER, type SocketHome } from './socket';

/** One shard of TitanStore: strings and sets, byte-exact UTF-8; over RPC and over its WebSocket. */
export class StoreDO extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** Each socket's home, read once from its attachment (which outlives hibernation; this map does not). */
  private readonly homes = new WeakMap<WebSocket, SocketHome>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    const kv = this.sql.exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'kv'").toArray()[0]?.sql ?? null;
    // A shard written before strings moved to WITHOUT ROWID (store/schema.ts): rebuilt once, whole or not at all.
    if (kvNeedsRebuild(kv)) {
      ctx.storage.transactionSync(() => {
        this.sql.exec(`CREATE TABLE ${kvTable('kv_rebuilt')}`);
        this.sql.exec('INSERT INTO kv_rebuilt (key, value, updated) SELECT key, value, updated FROM kv');
        this.sql.exec('DROP TABLE kv');
        this.sql.exec('ALTER TABLE kv_rebuilt RENAME TO kv');
      });
    }
    this.sql.exec(`CREATE TABLE IF NOT EXISTS ${kvTable()}; CREATE TABLE IF NOT EXISTS ${SETS_TABLE};`);
    reserveWal(this.sql, settingsOf(env).walReservePages);
  }

  /**
   * A socket to this shard (api/store.ts: the Worker checked the token and the shard, and names
   * the home). Hibernatable: an idle socket costs this object nothing.
   */
  override async fetch(req: Request): Promise<Response> {
    const home = homeOf(req.headers.get(HOME_HEADER));
    if (req.headers.get('upgrade')?.toLowerCase() !== 'websocket' || !home) return new Response('a store socket is opened through /v1/store/socket', { status: 426 });
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment(home);
    this.homes.set(server, home);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    let home = this.homes.get(ws);
    if (!home) this.homes.set(ws, (home = ws.deserializeAttachment() as SocketHome));
    // Sent after the write: the output gate holds it until the write is durable, as with RPC replies.
    ws.send(JSON.stringify(await answerStoreMessage(this, home, message)));
  }

  /** A set, and what a put means beyond the store: a gate's key (the original SDK's protocol) decides the gate. */
  async putValue(key: string, value: string): Promise<void> {
    this.put(key, value);
    const gate = storeKeyDecision(key, value);
    if (gate) await clusterOf(this.env).decideByStoreKey(gate.gate, gate.decision);
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

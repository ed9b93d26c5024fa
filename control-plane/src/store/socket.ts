/**
 * The store's WebSocket, its pure part: one message in, one reply out (contract/store.ts
 * StoreSocketRequest). StoreDO hands it its own operations; nothing here touches storage or sockets.
 */
import { describeIssues, LIMITS, type ErrorCode } from '../contract/common';
import { shardOf } from '../contract/shard';
import { fitsStoreSocket, StoreSocketRequest, type StoreSocketReply } from '../contract/store';

/** The operations of one shard, as the HTTP routes use them. */
export interface StoreOps {
  get(key: string): string | null;
  /** With what a put means beyond the store (an approval gate's key decides the gate). */
  putValue(key: string, value: string): void | Promise<void>;
  delete(key: string): void;
  sadd(key: string, member: string): 0 | 1;
  smembers(key: string): string[];
}

/** Which shard a socket serves, and of how many: set by the Worker on the upgrade, kept with the socket. */
export interface SocketHome {
  shard: number;
  shards: number;
}

/** The upgrade request's header that carries the home, `shard/shards` (only the Worker sets it). */
export const HOME_HEADER = 'x-titan-store-home';

export function homeOf(header: string | null): SocketHome | null {
  const m = /^(\d+)\/(\d+)$/.exec(header ?? '');
  if (!m) return null;
  const home = { shard: Number(m[1]), shards: Number(m[2]) };
  return home.shards >= 1 && home.shard < home.shards ? home : null;
}

const refuse = (id: number | null, status: number, code: ErrorCode, message: string): StoreSocketReply => ({ id, error: { status, code, message } });

function idOf(msg: unknown): number | null {
  const id = (msg as { id?: unknown } | null)?.id;
  return Number.isSafeInteger(id) && (id as number) >= 0 ? (id as number) : null;
}

/** The reply to one message: the op's answer, or why it was refused (nothing changed then). */
export async function answerStoreMessage(ops: StoreOps, home: SocketHome, raw: string | ArrayBuffer): Promise<StoreSocketReply> {
  if (typeof raw !== 'string') return refuse(null, 400, 'bad_request', 'messages are JSON text, not binary');
  let msg: unknown;
  try {
    msg = JSON.parse(raw);
  } catch {
    return refuse(null, 400, 'bad_request', 'the message is not valid JSON');
  }
  const id = idOf(msg);
  if (!fitsStoreSocket(raw)) return refuse(id, 413, 'payload_too_large', `messages are at most ${LIMITS.maxStoreSocketMessageBytes} bytes: send bigger values over HTTP`);
  const parsed = StoreSocketRequest.safeParse(msg);
  if (!parsed.success) return refuse(id, 400, 'bad_request', describeIssues(parsed.error));
  const m = parsed.data;
  const owner = shardOf(m.key, home.shards);
  // 409, not 400: the client's idea of the shards is out of date (a redeploy changed STORE_SHARDS), nothing was done.
  if (owner !== home.shard) return refuse(m.id, 409, 'conflict', `key ${JSON.stringify(m.key.slice(0, 100))} is kept by shard ${owner} of ${home.shards}; this socket is shard ${home.shard}`);
  try {
    return await answer(ops, m);
  } catch (err) {
    return refuse(m.id, 500, 'internal', err instanceof Error ? err.message : String(err));
  }
}

async function answer(ops: StoreOps, m: StoreSocketRequest): Promise<StoreSocketReply> {
  switch (m.op) {
    case 'get':
      return { id: m.id, value: ops.get(m.key) };
    case 'put':
      await ops.putValue(m.key, m.value);
      return { id: m.id, ok: true };
    case 'delete':
      ops.delete(m.key);
      return { id: m.id, ok: true };
    case 'sadd':
      return { id: m.id, added: ops.sadd(m.key, m.member) };
    case 'smembers':
      return { id: m.id, members: ops.smembers(m.key) };
  }
}

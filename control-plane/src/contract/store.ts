import * as z from 'zod';
import { ErrorCode, LIMITS } from './common';

const utf8Bytes = (s: string) => new TextEncoder().encode(s).length;

export const StoreKey = z.string().min(1).max(LIMITS.maxKeyLength);
export const StoreValue = z
  .string()
  .refine((v) => v.length <= LIMITS.maxValueBytes && utf8Bytes(v) <= LIMITS.maxValueBytes, `values are at most ${LIMITS.maxValueBytes} bytes`);

export const KeyQuery = z.object({ key: StoreKey });
export const KeyListQuery = z.object({ prefix: z.string().max(LIMITS.maxKeyLength).default(''), limit: z.coerce.number().int().min(1).max(1000).default(200) });

export const KvPutRequest = z.object({ key: StoreKey, value: StoreValue });
export const KvGetResponse = z.object({ key: z.string(), value: z.string().nullable() });
export const SAddRequest = z.object({ key: StoreKey, member: StoreValue });
export const SAddResponse = z.object({ added: z.union([z.literal(0), z.literal(1)]) });
export const SMembersResponse = z.object({ key: z.string(), members: z.array(z.string()) });
export const KeyListResponse = z.object({
  keys: z.array(z.object({ key: z.string(), kind: z.enum(['string', 'set']), size: z.number().int() })),
});

/**
 * The store over a WebSocket (`GET /v1/store/socket?shard=N` with `Upgrade: websocket`), one
 * socket per shard: the same operations and limits as the HTTP routes, without an HTTP request
 * per call. A message names its own `id`; the reply repeats it. Keys must belong to the socket's
 * shard (`contract/shard.ts` `shardOf(key, shards)`); `shards` comes from the same path without Upgrade.
 */
export const StoreSocketQuery = z.object({ shard: z.coerce.number().int().min(0).optional() });
export const StoreSocketInfo = z.object({
  shards: z.number().int().min(1),
  /** Longer messages are refused (with an error reply): send those over HTTP. */
  maxMessageBytes: z.number().int(),
});

/** Whether a message's text is within the socket's limit, in UTF-8 bytes (under a third of it in UTF-16 units cannot be over). */
export function fitsStoreSocket(text: string): boolean {
  const limit = LIMITS.maxStoreSocketMessageBytes;
  if (text.length * 3 <= limit) return true;
  return text.length <= limit && new TextEncoder().encode(text).length <= limit;
}

const MessageId = z.number().int().min(0);
export const StoreSocketRequest = z.discriminatedUnion('op', [
  z.object({ id: MessageId, op: z.literal('get'), key: StoreKey }),
  z.object({ id: MessageId, op: z.literal('put'), key: StoreKey, value: StoreValue }),
  z.object({ id: MessageId, op: z.literal('delete'), key: StoreKey }),
  z.object({ id: MessageId, op: z.literal('sadd'), key: StoreKey, member: StoreValue }),
  z.object({ id: MessageId, op: z.literal('smembers'), key: StoreKey }),
]);
export type StoreSocketRequest = z.output<typeof StoreSocketRequest>;
export type StoreSocketOp = StoreSocketRequest['op'];

/** What each op answers (beside `id`): as the HTTP route of the same op, or the API's error body. */
export const StoreSocketReply = z.union([
  z.object({ id: MessageId, value: z.string().nullable() }),
  z.object({ id: MessageId, ok: z.literal(true) }),
  z.object({ id: MessageId, added: z.union([z.literal(0), z.literal(1)]) }),
  z.object({ id: MessageId, members: z.array(z.string()) }),
  z.object({ id: MessageId.nullable(), error: z.object({ status: z.number().int(), code: ErrorCode, message: z.string() }) }),
]);
export type StoreSocketReply = z.output<typeof StoreSocketReply>;

import * as z from 'zod';
import { LIMITS } from './common';

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

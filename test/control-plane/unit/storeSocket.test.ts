import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../../control-plane/src/contract/common';
import { shardOf } from '../../../control-plane/src/contract/shard';
import { kvNeedsRebuild, kvTable } from '../../../control-plane/src/store/schema';
import { answerStoreMessage, homeOf, type StoreOps } from '../../../control-plane/src/store/socket';

/** One shard's operations over maps: what answerStoreMessage asked of it is what it did. */
function memoryShard(): StoreOps & { kv: Map<string, string>; sets: Map<string, string[]> } {
  const kv = new Map<string, string>();
  const sets = new Map<string, string[]>();
  return {
    kv,
    sets,
    get: (k) => kv.get(k) ?? null,
    putValue: (k, v) => void kv.set(k, v),
    delete: (k) => void (kv.delete(k), sets.delete(k)),
    sadd: (k, m) => {
      const s = sets.get(k) ?? [];
      if (s.includes(m)) return 0;
      sets.set(k, [...s, m]);
      return 1;
    },
    smembers: (k) => sets.get(k) ?? [],
  };
}

const SHARDS = 4;
/** A key that the given shard keeps. */
const keyOn = (shard: number, tag = 'k') => {
  for (let i = 0; ; i++) if (shardOf(`${tag}${i}`, SHARDS) === shard) return `${tag}${i}`;
};
const home = { shard: 1, shards: SHARDS };
const send = (ops: StoreOps, msg: unknown) => answerStoreMessage(ops, home, typeof msg === 'string' ? msg : JSON.stringify(msg));

describe('answerStoreMessage', () => {
  it('answers each op as its HTTP route does, with the id of the message', async () => {
    const ops = memoryShard();
    const k = keyOn(1);
    expect(await send(ops, { id: 1, op: 'get', key: k })).toEqual({ id: 1, value: null });
    expect(await send(ops, { id: 2, op: 'put', key: k, value: 'a|b ✓' })).toEqual({ id: 2, ok: true });
    expect(await send(ops, { id: 3, op: 'get', key: k })).toEqual({ id: 3, value: 'a|b ✓' });
    expect(await send(ops, { id: 4, op: 'sadd', key: k, member: 'm' })).toEqual({ id: 4, added: 1 });
    expect(await send(ops, { id: 5, op: 'sadd', key: k, member: 'm' })).toEqual({ id: 5, added: 0 });
    expect(await send(ops, { id: 6, op: 'smembers', key: k })).toEqual({ id: 6, members: ['m'] });
    expect(await send(ops, { id: 7, op: 'delete', key: k })).toEqual({ id: 7, ok: true });
    expect(ops.kv.size + ops.sets.size).toBe(0);
  });

  it("refuses a key of another shard and changes nothing: it would be lost to the key's own shard", async () => {
    const ops = memoryShard();
    const other = keyOn(2);
    const r = await send(ops, { id: 9, op: 'put', key: other, value: 'v' });
    expect(r).toMatchObject({ id: 9, error: { status: 409, code: 'conflict' } });
    expect('error' in r && r.error.message).toContain('shard 2');
    expect(ops.kv.size).toBe(0);
  });

  it('refuses what the HTTP routes refuse, naming the message when it can', async () => {
    const ops = memoryShard();
    const k = keyOn(1);
    expect(await send(ops, 'not json')).toMatchObject({ id: null, error: { status: 400 } });
    expect(await answerStoreMessage(ops, home, new ArrayBuffer(4))).toMatchObject({ id: null, error: { status: 400 } });
    expect(await send(ops, { id: 3, op: 'rename', key: k })).toMatchObject({ id: 3, error: { status: 400, code: 'bad_request' } });
    expect(await send(ops, { id: 4, op: 'put', key: '', value: 'v' })).toMatchObject({ id: 4, error: { status: 400 } });
    expect(await send(ops, { id: 5, op: 'put', key: 'x'.repeat(LIMITS.maxKeyLength + 1), value: 'v' })).toMatchObject({ id: 5, error: { status: 400 } });
    expect(await send(ops, { id: -1, op: 'get', key: k })).toMatchObject({ id: null, error: { status: 400 } });
    // Over the socket's limit, counted in UTF-8 bytes: 100k three-byte characters.
    expect(await send(ops, { id: 6, op: 'put', key: k, value: '✓'.repeat(100_000) })).toMatchObject({ id: 6, error: { status: 413, code: 'payload_too_large' } });
    expect(ops.kv.size).toBe(0);
  });

  it('answers a failing operation with an error for that message, not a dropped socket', async () => {
    const ops = { ...memoryShard(), putValue: () => Promise.reject(new Error('disk full')) };
    expect(await send(ops, { id: 8, op: 'put', key: keyOn(1), value: 'v' })).toEqual({ id: 8, error: { status: 500, code: 'internal', message: 'disk full' } });
  });
});

describe('homeOf', () => {
  it('reads shard/shards, and nothing out of range', () => {
    expect(homeOf('3/16')).toEqual({ shard: 3, shards: 16 });
    for (const bad of [null, '', '16/16', '1/0', 'a/b', '1/2/3', '-1/4']) expect(homeOf(bad)).toBeNull();
  });
});

describe('kvNeedsRebuild', () => {
  it('rebuilds the rowid form only, and nothing that is not there', () => {
    expect(kvNeedsRebuild('CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated INTEGER NOT NULL)')).toBe(true);
    expect(kvNeedsRebuild(`CREATE TABLE ${kvTable()}`)).toBe(false);
    expect(kvNeedsRebuild('CREATE TABLE kv (key TEXT PRIMARY KEY) without  rowid')).toBe(false);
    expect(kvNeedsRebuild(null)).toBe(false);
  });
});

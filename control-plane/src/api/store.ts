import type { Env } from '../env';
import { route, type App } from './http';
import { storeKeyDecision } from '../core/approval';
import { cluster, storeFor, storeShard, storeShards } from './stubs';

/** Set a string (the route and the MCP tool). */
export async function putValue(env: Env, key: string, value: string): Promise<void> {
  await storeFor(env, key).put(key, value);
  // The original SDK approves its gates by this key: the native gate behind it is decided too.
  const gate = storeKeyDecision(key, value);
  if (gate) await cluster(env).decideByStoreKey(gate.gate, gate.decision);
}

export function mountStore(app: App): void {
  route(app, 'kvGet', async (c, _, { key }) => c.json({ key, value: await storeFor(c.env, key).get(key) }));
  route(app, 'kvPut', async (c, req) => {
    await putValue(c.env, req.key, req.value);
    return c.json({ ok: true });
  });
  route(app, 'kvDelete', async (c, _, { key }) => {
    await storeFor(c.env, key).delete(key);
    return c.json({ ok: true });
  });
  route(app, 'sadd', async (c, req) => c.json({ added: await storeFor(c.env, req.key).sadd(req.key, req.member) }));
  route(app, 'smembers', async (c, _, { key }) => c.json({ key, members: await storeFor(c.env, key).smembers(key) }));
  route(app, 'listKeys', async (c, _, { prefix, limit }) => {
    // Keys spread over every shard: ask them all, merge, cut.
    const parts = await Promise.all(Array.from({ length: storeShards(c.env) }, (_, i) => storeShard(c.env, i).keys(prefix, limit)));
    const keys = parts.flat().sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).slice(0, limit);
    return c.json({ keys });
  });
}

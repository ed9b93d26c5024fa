import { LIMITS } from '../contract/common';
import { StoreKey } from '../contract/store';
import { apiError, intParam, route, type App, type Ctx } from './http';
import { storeFor, storeShard, storeShards } from './stubs';

function keyParam(c: Ctx): string | Response {
  const key = c.req.query('key');
  const parsed = StoreKey.safeParse(key);
  if (!parsed.success) return apiError(c, 400, 'bad_request', `query parameter key is required (1..${LIMITS.maxKeyLength} characters)`);
  return parsed.data;
}

export function mountStore(app: App): void {
  route(app, 'kvGet', async (c) => {
    const key = keyParam(c);
    if (key instanceof Response) return key;
    return c.json({ key, value: await storeFor(c.env, key).get(key) });
  });
  route(app, 'kvPut', async (c, req) => {
    await storeFor(c.env, req.key).put(req.key, req.value);
    return c.json({ ok: true });
  });
  route(app, 'kvDelete', async (c) => {
    const key = keyParam(c);
    if (key instanceof Response) return key;
    await storeFor(c.env, key).delete(key);
    return c.json({ ok: true });
  });
  route(app, 'sadd', async (c, req) => c.json({ added: await storeFor(c.env, req.key).sadd(req.key, req.member) }));
  route(app, 'smembers', async (c) => {
    const key = keyParam(c);
    if (key instanceof Response) return key;
    return c.json({ key, members: await storeFor(c.env, key).smembers(key) });
  });
  route(app, 'listKeys', async (c) => {
    const prefix = c.req.query('prefix') ?? '';
    const limit = Math.min(Math.max(intParam(c, 'limit', 200), 1), 1000);
    const parts = await Promise.all(Array.from({ length: storeShards(c.env) }, (_, i) => storeShard(c.env, i).keys(prefix, limit)));
    const keys = parts.flat().sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).slice(0, limit);
    return c.json({ keys });
  });
}

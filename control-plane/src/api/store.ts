import { LIMITS } from '../contract/common';
import { ROUTES } from '../contract/routes';
import type { Env } from '../env';
import { HOME_HEADER } from '../store/socket';
import { admit, apiError, errorResponse, isRefused, queryParams, route, type App } from './http';
import { storeFor, storeShard, storeShards } from './stubs';

/** Set a string (the route and the MCP tool); StoreDO.putValue says what else a put may decide. */
export async function putValue(env: Env, key: string, value: string): Promise<void> {
  await storeFor(env, key).putValue(key, value);
}

/** The answers of kvGet and kvPut, whichever way the request came in. */
const kvGetAnswer = async (env: Env, key: string) => ({ key, value: await storeFor(env, key).get(key) });
const kvPutAnswer = async (env: Env, key: string, value: string) => {
  await putValue(env, key, value);
  return { ok: true as const };
};

export function mountStore(app: App): void {
  route(app, 'kvGet', async (c, _, { key }) => c.json(await kvGetAnswer(c.env, key)));
  route(app, 'kvPut', async (c, req) => c.json(await kvPutAnswer(c.env, req.key, req.value)));
  route(app, 'kvDelete', async (c, _, { key }) => {
    await storeFor(c.env, key).delete(key);
    return c.json({ ok: true });
  });
  route(app, 'sadd', async (c, req) => c.json({ added: await storeFor(c.env, req.key).sadd(req.key, req.member) }));
  route(app, 'smembers', async (c, _, { key }) => c.json({ key, members: await storeFor(c.env, key).smembers(key) }));
  route(app, 'storeSocket', async (c, _, { shard }) => {
    const shards = storeShards(c.env);
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return c.json({ shards, maxMessageBytes: LIMITS.maxStoreSocketMessageBytes });
    if (shard === undefined || shard >= shards) return apiError(c, 400, 'bad_request', `shard: a number from 0 to ${shards - 1} (the socket of one shard)`);
    const headers = new Headers(c.req.raw.headers);
    headers.set(HOME_HEADER, `${shard}/${shards}`);
    return storeShard(c.env, shard).fetch(new Request(c.req.raw, { headers }));
  });
  route(app, 'listKeys', async (c, _, { prefix, limit }) => {
    // Keys spread over every shard: ask them all, merge, cut.
    const parts = await Promise.all(Array.from({ length: storeShards(c.env) }, (_, i) => storeShard(c.env, i).keys(prefix, limit)));
    const keys = parts.flat().sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).slice(0, limit);
    return c.json({ keys });
  });
}

const KV_PATH = ROUTES.kvGet.path;

/**
 * GET and PUT of one string (the bridge's KV_GET and KV_SET, the hottest calls there are) answered
 * before the router: the same routes of the table, let through by the same rules (`admit`: token,
 * schemas), the same answers; only the router's dispatch and context are skipped, about 0.05 ms of
 * workerd CPU per call, a quarter of a read. Anything else (HEAD, DELETE, other paths) is null: the
 * router's.
 */
export async function answerKvFast(req: Request, env: Env): Promise<Response | null> {
  const method = req.method;
  if ((method !== 'GET' && method !== 'PUT') || !req.url.includes(KV_PATH)) return null;
  const url = new URL(req.url);
  if (url.pathname !== KV_PATH) return null;
  try {
    if (method === 'GET') {
      const a = await admit('kvGet', req, env, () => queryParams(url));
      return isRefused(a) ? errorResponse(a) : Response.json(await kvGetAnswer(env, a.query.key));
    }
    const a = await admit('kvPut', req, env, () => queryParams(url));
    return isRefused(a) ? errorResponse(a) : Response.json(await kvPutAnswer(env, a.body.key, a.body.value));
  } catch (err) {
    // As the router's onError answers.
    return errorResponse({ status: 500, code: 'internal', message: err instanceof Error ? err.message : String(err) });
  }
}

/**
 * The MCP tools' ClusterPort inside the Worker: each route answered by the same Durable Object
 * calls its HTTP handler makes (no HTTP round trip), its input checked by the route's schema first.
 */
import type { z } from 'zod';
import { TitanApiError, type CallArgs, type RouteOutput } from '../contract/call';
import { isSafeName, LIMITS } from '../contract/common';
import { ROUTES } from '../contract/routes';
import type { Env } from '../env';
import type { ClusterPort, PortRoute } from '../mcp/port';
import { putNamed } from './artifacts';
import { scriptKey } from './blobs';
import { describeIssues } from '../contract/common';
import { prepareJobs } from './jobs';
import { putValue } from './store';
import { readJobLog } from './logs';
import { cluster, storeFor } from './stubs';

type R<T> = { ok: true; value: T } | { ok: false; error: { status: number; code: string; message: string } };

/** A Durable Object's Result as its value, or the API error it stands for. */
function unwrap<T>(r: R<T>): T {
  if (!r.ok) throw new TitanApiError(r.error.status, r.error.code, r.error.message);
  return r.value;
}

/** A body or query checked by its route's schema, as the HTTP router does. */
function checked<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new TitanApiError(400, 'bad_request', describeIssues(r.error));
  return r.data;
}

type Handlers = { [N in PortRoute]: (env: Env, args: CallArgs<N>) => Promise<RouteOutput<N>> };
const job = async (p: Promise<unknown>) => ({ job: unwrap((await p) as R<never>) });

const HANDLERS: Handlers = {
  stats: async (env) => (await cluster(env).stats()) as never,
  submitJob: async (env, { body }) => {
    const prepared = unwrap(await prepareJobs(env, [checked(ROUTES.submitJob.body, body)]));
    return job(cluster(env).submitOne(prepared[0]!));
  },
  submitDag: async (env, { body }) => {
    const req = checked(ROUTES.submitDag.body, body);
    const prepared = unwrap(await prepareJobs(env, req.jobs));
    return unwrap((await cluster(env).submit(prepared, req.name ?? null, true)) as R<never>);
  },
  getJob: (env, { params }) => job(cluster(env).getJob(params.id, true)),
  getLogs: async (env, { params, query }) => {
    const { after, run, limit } = checked(ROUTES.getLogs.query, query ?? {});
    const { known, log } = await readJobLog(env, params.id, run ?? null, after, limit);
    if (!known && log.lines.length === 0) throw new TitanApiError(404, 'not_found', `no job ${params.id}`);
    return log;
  },
  cancelJob: (env, { params }) => job(cluster(env).cancel(params.id)),
  approveJob: (env, { params, body }) => {
    const d = checked(ROUTES.approveJob.body, body);
    return job(cluster(env).decide(params.id, 'approve', d.by, d.reason, 'client'));
  },
  rejectJob: (env, { params, body }) => {
    const d = checked(ROUTES.rejectJob.body, body);
    return job(cluster(env).decide(params.id, 'reject', d.by, d.reason, 'client'));
  },
  stopService: (env, { params }) => job(cluster(env).stop(params.id)),
  kvGet: async (env, { query }) => {
    const { key } = checked(ROUTES.kvGet.query, query);
    return { key, value: await storeFor(env, key).get(key) };
  },
  kvPut: async (env, { body }) => {
    const { key, value } = checked(ROUTES.kvPut.body, body);
    await putValue(env, key, value);
    return { ok: true as const };
  },
  sadd: async (env, { body }) => {
    const { key, member } = checked(ROUTES.sadd.body, body);
    return { added: (await storeFor(env, key).sadd(key, member)) as 0 | 1 };
  },
  smembers: async (env, { query }) => {
    const { key } = checked(ROUTES.smembers.query, query);
    return { key, members: await storeFor(env, key).smembers(key) };
  },
  putScript: async (env, { params, body: raw }) => {
    const body = raw as Uint8Array;
    if (!isSafeName(params.name)) throw new TitanApiError(400, 'bad_request', 'invalid name (path traversal rejected)');
    if (body.length > LIMITS.maxArtifactBytes) throw new TitanApiError(413, 'payload_too_large', `uploads are at most ${LIMITS.maxArtifactBytes} bytes`);
    return putNamed(env.ARTIFACTS, scriptKey(params.name), params.name, body);
  },
  listSchedules: async (env) => ({ schedules: (await cluster(env).listSchedules()) as never }),
};

export const workerPort = (env: Env): ClusterPort => (name, args) => (HANDLERS[name] as unknown as (env: Env, a: typeof args) => Promise<never>)(env, args);

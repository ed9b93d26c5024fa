import type { Context, Hono } from 'hono';
import type { z } from 'zod';
import { describeIssues, LIMITS, type ErrorCode } from '../contract/common';
import { ROUTES, type RouteName } from '../contract/routes';
import type { Env } from '../env';
import type { Result } from '../lib/result';
import { readLimited } from './body';

export type AppEnv = { Bindings: Env; Variables: { role: 'client' | 'agent' } };
export type Ctx = Context<AppEnv>;
export type App = Hono<AppEnv>;

export function apiError(c: Ctx, status: number, code: ErrorCode, message: string): Response {
  return c.json({ error: { code, message } }, status as 400);
}

/** Relay a Durable Object result: its value as JSON, or its error as the API's error body. */
export function relay<T>(c: Ctx, r: Result<T>, status = 200): Response {
  return r.ok ? c.json(r.value as object, status as 200) : apiError(c, r.error.status, r.error.code, r.error.message);
}

function sameToken(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  if (ea.length !== eb.length) return false;
  let diff = 0;
  for (let i = 0; i < ea.length; i++) diff |= ea[i] ^ eb[i];
  return diff === 0;
}

/** Which kind of token the request carries, if any valid one. */
export function roleOf(c: Ctx): 'client' | 'agent' | null {
  return roleOfHeader(c.req.header('authorization'), c.env);
}

/** The same, from the raw `authorization` header (for requests answered without the router). */
export function roleOfHeader(h: string | null | undefined, env: Env): 'client' | 'agent' | null {
  const m = /^Bearer\s+(.+)$/i.exec(h ?? '');
  // The header only: a token in a URL ends up in logs and history. (The dashboard page takes
  // `?token=` once in the browser and sends it as this header.)
  const token = m?.[1]?.trim() ?? '';
  if (!token) return null;
  if (env.CLIENT_TOKEN && sameToken(token, env.CLIENT_TOKEN)) return 'client';
  if (env.AGENT_TOKEN && sameToken(token, env.AGENT_TOKEN)) return 'agent';
  return null;
}

type Handler<B, Q> = (c: Ctx, body: B, query: Q) => Response | Promise<Response>;
type BodyOf<N extends RouteName> = (typeof ROUTES)[N] extends { body: infer S extends z.ZodType } ? z.output<S> : undefined;
type QueryOf<N extends RouteName> = (typeof ROUTES)[N] extends { query: infer Q extends z.ZodType } ? z.output<Q> : undefined;

/** A request the route's rules let through: who sent it, its checked body and query. */
export interface Admitted<N extends RouteName> {
  role: 'client' | 'agent' | null;
  body: BodyOf<N>;
  query: QueryOf<N>;
}
/** Why a request was refused, as the API's error body says it. */
export interface Refused {
  status: number;
  code: ErrorCode;
  message: string;
}

/**
 * What every route asks of a request before its handler runs, in this order: a token of the
 * route's role, then the JSON body checked against its schema, then the query. A request refused
 * here changes nothing. Shared by the router and by the few routes answered before it.
 */
export async function admit<N extends RouteName>(name: N, req: Request, env: Env, queryOf: () => Record<string, string>): Promise<Admitted<N> | Refused> {
  const def = ROUTES[name] as (typeof ROUTES)[RouteName];
  let role: 'client' | 'agent' | null = null;
  if (def.role !== 'none') {
    role = roleOfHeader(req.headers.get('authorization'), env);
    if (!role) return { status: 401, code: 'unauthorized', message: 'a valid bearer token is required' };
    if (def.role !== 'any' && role !== def.role) {
      return { status: 403, code: 'forbidden', message: `this route needs a ${def.role} token, not a${role === 'agent' ? 'n agent' : ' client'} token` };
    }
  }
  let body: unknown = undefined;
  if ('body' in def && def.body) {
    const bytes = await readLimited(req, LIMITS.maxJsonBodyBytes);
    if (bytes === 'too_large') return { status: 413, code: 'payload_too_large', message: `JSON bodies are at most ${LIMITS.maxJsonBodyBytes} bytes` };
    let raw: unknown;
    try {
      raw = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      return { status: 400, code: 'bad_request', message: 'the body is not valid JSON' };
    }
    const parsed = (def.body as z.ZodType).safeParse(raw);
    if (!parsed.success) return { status: 400, code: 'bad_request', message: describeIssues(parsed.error) };
    body = parsed.data;
  }
  let query: unknown = undefined;
  if ('query' in def && def.query) {
    const parsed = (def.query as z.ZodType).safeParse(queryOf());
    if (!parsed.success) return { status: 400, code: 'bad_request', message: describeIssues(parsed.error) };
    query = parsed.data;
  }
  return { role, body: body as BodyOf<N>, query: query as QueryOf<N> };
}

export const isRefused = (a: Admitted<RouteName> | Refused): a is Refused => 'status' in a;

/** The API's error body without a router context (same shape as `apiError`). */
export function errorResponse(r: Refused): Response {
  return Response.json({ error: { code: r.code, message: r.message } }, { status: r.status });
}

/** A query string's parameters, the first value of each (as the router reads them). */
export function queryParams(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (!(k in out)) out[k] = v;
  return out;
}

/**
 * Mount one route of the contract's table: method and path from ROUTES, then `admit` (role, body,
 * query), then the handler.
 */
export function route<N extends RouteName>(app: App, name: N, handler: Handler<BodyOf<N>, QueryOf<N>>): void {
  const def = ROUTES[name] as (typeof ROUTES)[RouteName];
  const path = def.path.replace(/\{(\w+)\}/g, ':$1');
  app.on(def.method.toUpperCase(), path, async (c) => {
    const a = await admit(name, c.req.raw, c.env, () => c.req.query());
    if (isRefused(a)) return apiError(c, a.status, a.code, a.message);
    if (a.role) c.set('role', a.role);
    return handler(c, a.body, a.query);
  });
}


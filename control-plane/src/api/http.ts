import type { Context, Hono } from 'hono';
import type { z } from 'zod';
import { LIMITS, type ErrorCode } from '../contract/common';
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
  const h = c.req.header('authorization') ?? '';
  const m = /^Bearer\s+(.+)$/i.exec(h);
  // The header only: a token in a URL ends up in logs and history. (The dashboard page takes
  // `?token=` once in the browser and sends it as this header.)
  const token = m?.[1]?.trim() ?? '';
  if (!token) return null;
  if (c.env.CLIENT_TOKEN && sameToken(token, c.env.CLIENT_TOKEN)) return 'client';
  if (c.env.AGENT_TOKEN && sameToken(token, c.env.AGENT_TOKEN)) return 'agent';
  return null;
}

type Handler<B, Q> = (c: Ctx, body: B, query: Q) => Response | Promise<Response>;

/**
 * Mount one route of the contract's table: method and path from ROUTES, then authorisation by
 * role, then the JSON body checked against its schema. A request refused here changes nothing.
 */
export function route<N extends RouteName>(
  app: App,
  name: N,
  handler: Handler<
    (typeof ROUTES)[N] extends { body: infer S extends z.ZodType } ? z.output<S> : undefined,
    (typeof ROUTES)[N] extends { query: infer Q extends z.ZodType } ? z.output<Q> : undefined
  >,
): void {
  const def = ROUTES[name] as (typeof ROUTES)[RouteName];
  const path = def.path.replace(/\{(\w+)\}/g, ':$1');
  app.on(def.method.toUpperCase(), path, async (c) => {
    if (def.role !== 'none') {
      const role = roleOf(c);
      if (!role) return apiError(c, 401, 'unauthorized', 'a valid bearer token is required');
      if (def.role !== 'any' && role !== def.role) {
        return apiError(c, 403, 'forbidden', `this route needs a ${def.role} token, not a${role === 'agent' ? 'n agent' : ' client'} token`);
      }
      c.set('role', role);
    }
    let body: unknown = undefined;
    if ('body' in def && def.body) {
      const bytes = await readLimited(c.req.raw, LIMITS.maxJsonBodyBytes);
      if (bytes === 'too_large') return apiError(c, 413, 'payload_too_large', `JSON bodies are at most ${LIMITS.maxJsonBodyBytes} bytes`);
      let raw: unknown;
      try {
        raw = JSON.parse(new TextDecoder().decode(bytes));
      } catch {
        return apiError(c, 400, 'bad_request', 'the body is not valid JSON');
      }
      const parsed = (def.body as z.ZodType).safeParse(raw);
      if (!parsed.success) return apiError(c, 400, 'bad_request', describeIssues(parsed.error));
      body = parsed.data;
    }
    let query: unknown = undefined;
    if ('query' in def && def.query) {
      const parsed = (def.query as z.ZodType).safeParse(c.req.query());
      if (!parsed.success) return apiError(c, 400, 'bad_request', describeIssues(parsed.error));
      query = parsed.data;
    }
    return handler(c, body as never, query as never);
  });
}

export function describeIssues(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}`)
    .join('; ');
}

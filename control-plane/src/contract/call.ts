/**
 * Calling a route of the API by its name in `ROUTES`: the path, method, body and response types all
 * come from the route table, so no client types a response by hand. Web-standard only (no Node
 * imports): the TS client, the dashboard and the tests share it, each with its own transport.
 */
import type { z } from 'zod';
import { ROUTES, type RouteName } from './routes';

type Route<N extends RouteName> = (typeof ROUTES)[N];

/** `'/v1/jobs/{id}/logs'` → `'id'`. */
type ParamNames<P extends string> = P extends `${string}{${infer K}}${infer Rest}` ? K | ParamNames<Rest> : never;

export type RouteParams<N extends RouteName> = Record<ParamNames<Route<N>['path']>, string>;
export type RouteQuery<N extends RouteName> = Route<N> extends { query: infer Q extends z.ZodType } ? z.input<Q> : never;
export type RouteBody<N extends RouteName> = Route<N> extends { body: infer B extends z.ZodType }
  ? z.input<B>
  : Route<N> extends { rawBody: true }
    ? Uint8Array
    : never;
/** A route with a response schema answers JSON of that type; a raw route answers bytes. */
export type RouteOutput<N extends RouteName> = Route<N> extends { response: infer R extends z.ZodType } ? z.output<R> : Uint8Array;

/** Path parameters are required exactly when the path has some; body and query only where the route takes them. */
export type CallArgs<N extends RouteName> = ([ParamNames<Route<N>['path']>] extends [never] ? { params?: undefined } : { params: RouteParams<N> }) &
  ([RouteQuery<N>] extends [never] ? { query?: undefined } : { query?: RouteQuery<N> }) &
  ([RouteBody<N>] extends [never] ? { body?: undefined } : Route<N> extends { rawBody: true } ? { body: Uint8Array } : { body: RouteBody<N> });

/** The control plane answered with an error body (`{ error: { code, message } }`). */
export class TitanApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'TitanApiError';
  }
}

/** The error a failed response stands for, read from its body when it is the API's error shape. */
export function apiErrorOf(status: number, bodyText: string): TitanApiError {
  let code = `http_${status}`;
  let message = bodyText.slice(0, 500) || `HTTP ${status}`;
  try {
    const parsed = JSON.parse(bodyText) as { error?: { code?: string; message?: string } };
    if (parsed.error) {
      code = parsed.error.code ?? code;
      message = parsed.error.message ?? message;
    }
  } catch {
    /* not JSON: keep the text */
  }
  return new TitanApiError(status, code, message);
}

/** The request path of a route: parameters substituted (encoded), query appended without undefined values. */
export function routePath<N extends RouteName>(name: N, params?: Record<string, string>, query?: Record<string, unknown>): string {
  let p: string = ROUTES[name].path;
  for (const [k, v] of Object.entries(params ?? {})) p = p.replace(`{${k}}`, encodeURIComponent(v));
  if (p.includes('{')) throw new Error(`route ${name}: missing path parameter in ${p}`);
  const qs = Object.entries(query ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return qs ? `${p}?${qs}` : p;
}

export interface TransportRequest {
  route: RouteName;
  method: string;
  path: string;
  body?: string | Uint8Array;
  contentType?: string;
}

/** Sends one request; resolves with the body of a 2xx answer and throws (e.g. `TitanApiError`) otherwise. */
export type Transport = (req: TransportRequest) => Promise<Uint8Array>;

/** Call a route by name through a transport; the answer is typed by the route's response schema. */
export async function callRoute<N extends RouteName>(transport: Transport, name: N, args: CallArgs<N>): Promise<RouteOutput<N>> {
  const def = ROUTES[name] as { method: string; rawBody?: boolean; response?: unknown };
  const a = args as { params?: Record<string, string>; query?: Record<string, unknown>; body?: unknown };
  const req: TransportRequest = { route: name, method: def.method.toUpperCase(), path: routePath(name, a.params, a.query) };
  if (a.body !== undefined) {
    req.body = def.rawBody ? (a.body as Uint8Array) : JSON.stringify(a.body);
    req.contentType = def.rawBody ? 'application/octet-stream' : 'application/json';
  }
  const bytes = await transport(req);
  return (def.response ? JSON.parse(new TextDecoder().decode(bytes)) : bytes) as RouteOutput<N>;
}

/** A transport over `fetch` (browsers, workerd, Node): bearer token, API errors as `TitanApiError`. */
export function fetchTransport(baseUrl: string, token: string, fetcher: typeof fetch = fetch): Transport {
  const base = baseUrl.replace(/\/+$/, '');
  return async (req) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (req.contentType) headers['content-type'] = req.contentType;
    const res = await fetcher(base + req.path, { method: req.method, headers, body: req.body as BodyInit | undefined });
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (!res.ok) throw apiErrorOf(res.status, new TextDecoder().decode(bytes));
    return bytes;
  };
}

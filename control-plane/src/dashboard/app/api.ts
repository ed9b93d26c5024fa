/**
 * The API as the dashboard calls it: routes by name from the contract's table (`callRoute`), the
 * bearer token of this browser, and one answer to a refused token (back to the sign-in form).
 */
import { apiErrorOf, callRoute, fetchTransport, routePath, TitanApiError, type CallArgs, type RouteOutput, type Transport } from '../../contract/call';
import type { RouteName } from '../../contract/routes';

/** The token was refused; the shell already shows the sign-in form, so callers stay quiet. */
export class AuthError extends Error {}

export interface Api {
  call<N extends RouteName>(name: N, args: CallArgs<N>): Promise<RouteOutput<N>>;
  /** A streaming GET (server-sent events) of a route, after the same token handling. */
  stream<N extends RouteName>(name: N, args: CallArgs<N>, signal: AbortSignal): Promise<Response>;
}

/** `token()` is read on every call; `refused()` runs when the control plane answers 401. */
export function createApi(token: () => string, refused: () => void): Api {
  async function send(path: string, init: RequestInit): Promise<Response> {
    const res = await fetch(path, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token()}` } });
    if (res.status === 401) {
      refused();
      throw new AuthError('unauthorized');
    }
    if (!res.ok) throw apiErrorOf(res.status, await res.text().catch(() => ''));
    return res;
  }
  const transport: Transport = async (req) => {
    const headers: Record<string, string> = req.contentType ? { 'content-type': req.contentType } : {};
    const res = await send(req.path, { method: req.method, headers, body: req.body as BodyInit | undefined });
    return new Uint8Array(await res.arrayBuffer());
  };
  return {
    call: (name, args) => callRoute(transport, name, args),
    stream(name, args, signal) {
      const a = args as { params?: Record<string, string>; query?: Record<string, unknown> };
      return send(routePath(name, a.params, a.query), { headers: { accept: 'text/event-stream' }, signal });
    },
  };
}

export type TokenVerdict = 'ok' | 'bad' | 'agent' | 'down';

/** Ask who a token is: 401 means wrong token, and an agent token is refused too (it cannot steer). */
export async function checkToken(candidate: string): Promise<TokenVerdict> {
  try {
    const { role } = await callRoute(fetchTransport('', candidate), 'whoami', {});
    return role === 'client' ? 'ok' : 'agent';
  } catch (e) {
    return e instanceof TitanApiError && (e.status === 401 || e.status === 403) ? 'bad' : 'down';
  }
}

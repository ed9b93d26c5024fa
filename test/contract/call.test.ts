import { describe, expect, it } from 'vitest';
import { apiErrorOf, callRoute, fetchTransport, routePath, TitanApiError, type TransportRequest } from '../../control-plane/src/contract/call';
import { ROUTES } from '../../control-plane/src/contract/routes';

describe('routePath', () => {
  it('substitutes and encodes path parameters, drops undefined query values', () => {
    expect(routePath('getLogs', { id: 'a b/c' }, { after: 3, run: undefined })).toBe('/v1/jobs/a%20b%2Fc/logs?after=3');
    expect(routePath('listJobs', undefined, { state: 'QUEUED', limit: 5 })).toBe('/v1/jobs?state=QUEUED&limit=5');
    expect(routePath('health')).toBe('/v1/health');
  });
  it('refuses a path with a parameter left unfilled', () => {
    expect(() => routePath('getJob', {})).toThrow(/missing path parameter/);
  });
});

describe('callRoute', () => {
  const recorder = (answer: unknown) => {
    const seen: TransportRequest[] = [];
    const transport = async (req: TransportRequest) => {
      seen.push(req);
      return answer instanceof Uint8Array ? answer : new TextEncoder().encode(JSON.stringify(answer));
    };
    return { seen, transport };
  };

  it('takes the method and path from the route table and sends JSON bodies', async () => {
    const { seen, transport } = recorder({ ok: true });
    const out = await callRoute(transport, 'nameDag', { params: { id: 'dag-1' }, body: { name: 'nightly' } });
    expect(out).toEqual({ ok: true });
    expect(seen[0]).toEqual({ route: 'nameDag', method: ROUTES.nameDag.method.toUpperCase(), path: '/v1/dags/dag-1/name', body: '{"name":"nightly"}', contentType: 'application/json' });
  });

  it('sends raw bodies as bytes and answers raw routes with bytes', async () => {
    const bytes = new Uint8Array([0, 255, 7]);
    const { seen, transport } = recorder(bytes);
    const got = await callRoute(transport, 'getBlob', { params: { hash: 'ab' } });
    expect(got).toBe(bytes);
    await callRoute(recorder({ name: 'x', size: 3, hash: 'h' }).transport, 'putArtifact', { params: { name: 'x' }, body: bytes });
    const put = recorder({ hash: 'h', size: 3 });
    await callRoute(put.transport, 'putBlob', { body: bytes });
    expect(put.seen[0]).toMatchObject({ method: 'PUT', body: bytes, contentType: 'application/octet-stream' });
    expect(seen[0].body).toBeUndefined();
  });
});

describe('errors', () => {
  it('reads the API error shape, and keeps plain text otherwise', () => {
    const e = apiErrorOf(409, JSON.stringify({ error: { code: 'conflict', message: 'job x is still active' } }));
    expect(e).toBeInstanceOf(TitanApiError);
    expect([e.status, e.code, e.message]).toEqual([409, 'conflict', 'job x is still active']);
    const t = apiErrorOf(502, 'Bad Gateway');
    expect([t.code, t.message]).toEqual(['http_502', 'Bad Gateway']);
  });

  it('fetchTransport turns an error answer into TitanApiError and sends the bearer token', async () => {
    const calls: [string, RequestInit][] = [];
    const fetcher = (async (url: string, init: RequestInit) => {
      calls.push([url, init]);
      return new Response(JSON.stringify({ error: { code: 'not_found', message: 'no job j' } }), { status: 404 });
    }) as unknown as typeof fetch;
    const t = fetchTransport('http://cp/', 'tok', fetcher);
    await expect(callRoute(t, 'getJob', { params: { id: 'j' } })).rejects.toMatchObject({ status: 404, code: 'not_found' });
    expect(calls[0][0]).toBe('http://cp/v1/jobs/j');
    expect((calls[0][1].headers as Record<string, string>).authorization).toBe('Bearer tok');
  });
});

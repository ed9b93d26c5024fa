import { LIMITS, isSafeName } from '../contract/common';
import { apiError, route, type App, type Ctx } from './http';
import { readLimited } from './body';
import { artifactKey, blobKey, putBlob, scriptKey, sha256Hex } from './blobs';

async function readBody(c: Ctx): Promise<Uint8Array | Response> {
  const bytes = await readLimited(c.req.raw, LIMITS.maxArtifactBytes);
  if (bytes === 'too_large') return apiError(c, 413, 'payload_too_large', `uploads are at most ${LIMITS.maxArtifactBytes} bytes`);
  return bytes;
}

function nameParam(c: Ctx): string | Response {
  const name = c.req.param('name') ?? '';
  if (!isSafeName(name)) return apiError(c, 400, 'bad_request', 'invalid name (path traversal rejected)');
  return name;
}

async function download(c: Ctx, key: string, what: string): Promise<Response> {
  const obj = await c.env.ARTIFACTS.get(key);
  if (!obj) return apiError(c, 404, 'not_found', `no ${what}`);
  return new Response(obj.body, { headers: { 'content-type': 'application/octet-stream', 'content-length': String(obj.size) } });
}

/** Store a named artifact or script (the routes and the MCP tool); the name is checked by the caller. */
export async function putNamed(bucket: R2Bucket, key: string, name: string, bytes: Uint8Array) {
  const hash = await sha256Hex(bytes);
  await bucket.put(key, bytes, { customMetadata: { sha256: hash } });
  return { name, size: bytes.length, hash };
}

export function mountArtifacts(app: App): void {
  for (const [put, get, keyOf, what] of [
    ['putArtifact', 'getArtifact', artifactKey, 'artifact'],
    ['putScript', 'getScript', scriptKey, 'script'],
  ] as const) {
    route(app, put, async (c) => {
      const name = nameParam(c);
      if (name instanceof Response) return name;
      const bytes = await readBody(c);
      if (bytes instanceof Response) return bytes;
      return c.json(await putNamed(c.env.ARTIFACTS, keyOf(name), name, bytes));
    });
    route(app, get, async (c) => {
      const name = nameParam(c);
      if (name instanceof Response) return name;
      return download(c, keyOf(name), `${what} ${name}`);
    });
  }
  route(app, 'listArtifacts', async (c) => {
    const list = await c.env.ARTIFACTS.list({ prefix: 'artifacts/', limit: 1000 });
    return c.json({ artifacts: list.objects.map((o) => ({ name: o.key.slice('artifacts/'.length), size: o.size, uploaded: o.uploaded.getTime() })) });
  });
  route(app, 'putBlob', async (c) => {
    const bytes = await readBody(c);
    if (bytes instanceof Response) return bytes;
    return c.json({ hash: await putBlob(c.env.ARTIFACTS, bytes), size: bytes.length });
  });
  route(app, 'getBlob', async (c) => {
    const hash = c.req.param('hash') ?? '';
    if (!/^[0-9a-f]{64}$/.test(hash)) return apiError(c, 400, 'bad_request', 'a blob is named by its lower-case hex SHA-256');
    return download(c, blobKey(hash), `blob ${hash}`);
  });
}

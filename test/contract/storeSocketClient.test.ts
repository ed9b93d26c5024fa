/**
 * The client side of the store socket against a stand-in server (node:http, the WebSocket handshake
 * by hand): what it does when the control plane has no socket route, and when a socket never answers.
 * The real thing, in workerd, is test/control-plane/storeSocket.test.ts.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TitanHttpClient, TitanUnreachableError } from '../../sdk/ts/client';

const servers: http.Server[] = [];
const upgraded: Socket[] = []; // no longer the HTTP server's to close
afterEach(async () => {
  for (const sock of upgraded.splice(0)) sock.destroy();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** The text messages of client frames (masked, under 64 KiB), as they arrive whole on loopback. */
function* clientFrames(buf: Buffer): Generator<string> {
  for (let at = 0; at < buf.length; ) {
    let len = buf[at + 1]! & 0x7f;
    let head = 2;
    if (len === 126) (len = buf.readUInt16BE(at + 2)), (head = 4);
    const mask = buf.subarray(at + head, at + head + 4);
    const body = Buffer.from(buf.subarray(at + head + 4, at + head + 4 + len).map((b, i) => b ^ mask[i % 4]!));
    if ((buf[at]! & 0x0f) === 1) yield body.toString('utf8'); // text; a close frame ends it
    at += head + 4 + len;
  }
}

/** A server text frame (unmasked). */
const serverFrame = (text: string) => {
  const body = Buffer.from(text);
  return Buffer.concat([Buffer.from(body.length < 126 ? [0x81, body.length] : [0x81, 126, body.length >> 8, body.length & 0xff]), body]);
};

/**
 * A control plane's store routes in miniature. `socket`: false, no socket route; 'silent', it
 * accepts upgrades and answers no message; 'misroute', it refuses every message as another shard's
 * (409), as shards do after STORE_SHARDS changed.
 */
async function standIn(socket: false | 'silent' | 'misroute'): Promise<{ url: string; upgrades: () => number; httpCalls: () => number; described: () => number }> {
  const kv = new Map<string, string>();
  let upgrades = 0;
  let httpCalls = 0;
  let described = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/v1/store/socket') described++;
    if (url.pathname === '/v1/store/socket') return socket ? json(200, { shards: 2, maxMessageBytes: 262144 }) : json(404, { error: { code: 'not_found', message: 'no route' } });
    if (url.pathname !== '/v1/store/kv') return json(404, { error: { code: 'not_found', message: 'no route' } });
    httpCalls++;
    if (req.method === 'GET') return json(200, { key: url.searchParams.get('key'), value: kv.get(url.searchParams.get('key')!) ?? null });
    let body = '';
    req.on('data', (d) => (body += d)).on('end', () => {
      const { key, value } = JSON.parse(body) as { key: string; value: string };
      kv.set(key, value);
      json(200, { ok: true });
    });
  });
  server.on('upgrade', (req, sock: Socket) => {
    upgrades++;
    upgraded.push(sock);
    sock.on('error', () => {}); // the client resets it when it gives up
    const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    sock.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    sock.on('data', (buf: Buffer) => {
      if (socket !== 'misroute') return; // silent: reads every message, answers none
      for (const text of clientFrames(buf)) {
        const { id } = JSON.parse(text) as { id: number };
        sock.write(serverFrame(JSON.stringify({ id, error: { status: 409, code: 'conflict', message: 'key is kept by shard 1 of 3; this socket is shard 0' } })));
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, upgrades: () => upgrades, httpCalls: () => httpCalls, described: () => described };
}

describe('a client with storeSocket', () => {
  it('against a control plane without the socket route: every call over HTTP, answered', async () => {
    const s = await standIn(false);
    const c = new TitanHttpClient({ url: s.url, token: 't', storeSocket: true });
    try {
      for (let i = 0; i < 10; i++) await c.kvPut(`k${i}`, `v${i}`);
      for (let i = 0; i < 10; i++) expect(await c.kvGet(`k${i}`)).toBe(`v${i}`);
      expect(c.storeCalls).toEqual({ socket: 0, http: 20 });
      expect(s.upgrades()).toBe(0);
      expect(s.described()).toBe(1); // asked once, not again on every call
    } finally {
      await c.close();
    }
  });

  it('a shard that refuses a key as another\'s: the call goes over HTTP (even SADD: nothing was done), the shard count is asked again', async () => {
    const s = await standIn('misroute');
    const c = new TitanHttpClient({ url: s.url, token: 't', storeSocket: true });
    try {
      await c.kvPut('a', '1'); // learns the shard count
      await c.kvPut('a', '1'); // opens the socket
      await new Promise((r) => setTimeout(r, 100));
      expect(s.described()).toBe(1);
      expect(await c.kvGet('a')).toBe('1'); // refused over the socket, answered over HTTP
      expect(s.described()).toBe(1);
      await c.kvGet('a'); // the count is asked again
      await new Promise((r) => setTimeout(r, 50));
      expect(s.described()).toBe(2);
      expect(c.storeCalls.socket).toBe(0);
    } finally {
      await c.close();
    }
  });

  it('a socket that never answers: the call fails within the timeout as an HTTP call would, and the next ones go over HTTP', async () => {
    const s = await standIn('silent');
    const c = new TitanHttpClient({ url: s.url, token: 't', storeSocket: true, timeoutMs: 300 });
    try {
      await c.kvPut('a', '1'); // learns the shard count (over HTTP meanwhile)
      await c.kvPut('a', '1'); // opens the key's socket (over HTTP meanwhile)
      await new Promise((r) => setTimeout(r, 100));
      expect(s.upgrades()).toBe(1);
      const t0 = Date.now();
      await expect(c.kvGet('a')).rejects.toBeInstanceOf(TitanUnreachableError);
      expect(Date.now() - t0).toBeLessThan(1_000);
      // The silent socket is dropped, and no other opened for a while: HTTP answers.
      const before = s.httpCalls();
      for (let i = 0; i < 5; i++) expect(await c.kvGet('a')).toBe('1');
      expect(s.httpCalls()).toBe(before + 5);
      expect(s.upgrades()).toBe(1);
    } finally {
      await c.close();
    }
  });
});

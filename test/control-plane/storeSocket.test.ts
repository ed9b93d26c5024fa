/**
 * The store's WebSocket in workerd: the route and the StoreDO answer messages as the HTTP routes
 * answer requests (same data, same refusals, gates decided by their key, durable before the
 * answer), and a client with `storeSocket` uses it, falling back to HTTP whenever it cannot.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import http from 'node:http';
import { WebSocket } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardOf } from '../../control-plane/src/contract/shard';
import { TitanHttpClient } from '../../sdk/ts/client';
import { startTestPlane, storeShardFiles, waitFor, type TestPlane } from '../helpers/controlPlane';

let cp: TestPlane;
beforeAll(async () => {
  cp = await startTestPlane();
}, 60_000);
afterAll(async () => {
  await cp?.dispose();
});

const socketUrl = (shard: number | string) => `${cp.url.replace(/^http/, 'ws')}/v1/store/socket?shard=${shard}`;

/** A raw socket (the protocol as a third-party client would speak it): send a message, await the reply with its id. */
async function openSocket(shard: number | string, token: string | null = cp.clientToken) {
  const ws = new WebSocket(socketUrl(shard), token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const replies = new Map<number | null, (r: unknown) => void>();
  ws.addEventListener('message', (e) => {
    const r = JSON.parse(String(e.data)) as { id: number | null };
    replies.get(r.id)?.(r);
  });
  const opened = await new Promise<boolean>((r) => {
    ws.addEventListener('open', () => r(true));
    ws.addEventListener('error', () => r(false));
  });
  const send = (msg: unknown, id: number | null = (msg as { id: number }).id) =>
    new Promise<Record<string, unknown>>((resolve) => {
      replies.set(id, resolve as (r: unknown) => void);
      ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
    });
  return { ws, opened, send };
}

const shards = 16;
const keyOn = (shard: number, tag: string) => {
  for (let i = 0; ; i++) if (shardOf(`${tag}-${i}`, shards) === shard) return `${tag}-${i}`;
};

describe('the store socket', () => {
  it('says how many shards there are without an Upgrade, and refuses a missing token or a shard out of range', async () => {
    expect(await cp.client.describeStoreSocket()).toEqual({ shards, maxMessageBytes: 256 * 1024 });
    expect((await openSocket(0, null)).opened).toBe(false);
    expect((await openSocket(0, 'wrong')).opened).toBe(false);
    expect((await openSocket(shards)).opened).toBe(false);
    expect((await openSocket('x')).opened).toBe(false);
    // Either token kind may use the store, as over HTTP.
    const agent = await openSocket(0, cp.agentToken);
    expect(agent.opened).toBe(true);
    agent.ws.close();
  });

  it('turns down per-message compression when a client offers it (messages are small JSON: deflate only adds time)', async () => {
    const u = new URL(socketUrl(1).replace(/^ws/, 'http'));
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request({
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        headers: {
          authorization: `Bearer ${cp.clientToken}`,
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': randomBytes(16).toString('base64'),
          'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits',
        },
      });
      req.on('upgrade', (r, socket) => {
        socket.destroy();
        resolve(r);
      });
      req.on('response', (r) => reject(new Error(`no upgrade: ${r.statusCode}`)));
      req.on('error', reject);
      req.end();
    });
    expect(res.statusCode).toBe(101);
    expect(res.headers['sec-websocket-extensions']).toBeUndefined();
  });

  it('answers as the HTTP routes do: what one writes the other reads', async () => {
    const k = keyOn(5, 'sock');
    const s = await openSocket(5);
    expect(s.opened).toBe(true);
    expect(await s.send({ id: 1, op: 'put', key: k, value: 'über|value' })).toEqual({ id: 1, ok: true });
    expect(await cp.client.kvGet(k)).toBe('über|value');
    await cp.client.kvPut(k, 'from http');
    expect(await s.send({ id: 2, op: 'get', key: k })).toEqual({ id: 2, value: 'from http' });
    expect(await s.send({ id: 3, op: 'sadd', key: `${k}`, member: 'a' })).toEqual({ id: 3, added: 1 });
    expect(await cp.client.smembers(k)).toEqual(['a']);
    expect(await s.send({ id: 4, op: 'delete', key: k })).toEqual({ id: 4, ok: true });
    expect(await cp.client.kvGet(k)).toBeNull();
    s.ws.close();
  });

  it('refuses a key kept by another shard and bad messages, storing nothing, and stays usable', async () => {
    const s = await openSocket(2);
    const foreign = keyOn(3, 'foreign');
    expect(await s.send({ id: 1, op: 'put', key: foreign, value: 'v' })).toMatchObject({ id: 1, error: { status: 409, code: 'conflict' } });
    expect(await cp.client.kvGet(foreign)).toBeNull();
    expect(await s.send('{not json', null)).toMatchObject({ id: null, error: { status: 400 } });
    expect(await s.send({ id: 2, op: 'put', key: keyOn(2, 'big'), value: 'x'.repeat(300 * 1024) })).toMatchObject({ id: 2, error: { status: 413 } });
    expect(await cp.client.kvGet(keyOn(2, 'big'))).toBeNull();
    const k = keyOn(2, 'after');
    expect(await s.send({ id: 3, op: 'put', key: k, value: 'ok' })).toEqual({ id: 3, ok: true });
    s.ws.close();
  });

  it("a gate's key written over the socket decides the gate, as over HTTP", async () => {
    await cp.client.submitDag({ jobs: [{ id: 'DAG-sock-gate', type: 'GATE', file: 'hitl_gate.py', approval: { message: 'Review' } }] });
    expect((await cp.client.getJob('DAG-sock-gate')).job.state).toBe('WAITING_APPROVAL');
    const key = 'titan:hitl:status:sock-gate';
    const s = await openSocket(shardOf(key, shards));
    expect(await s.send({ id: 1, op: 'put', key, value: 'APPROVED' })).toEqual({ id: 1, ok: true });
    expect((await cp.client.getJob('DAG-sock-gate')).job.state).toBe('COMPLETED');
    s.ws.close();
  });

  it('a shard stays resident through a quiet spell, its SQLite file open (the local runtime does not evict it)', async () => {
    const k = keyOn(9, 'resident');
    await cp.client.kvPut(k, 'v');
    const wals = () => storeShardFiles(cp.stateDir).map((f) => `${f}-wal`).filter((w) => existsSync(w) && statSync(w).size > 0);
    const before = wals();
    expect(before.length).toBeGreaterThan(0);
    // workerd evicts an idle object after ~10 s; closing its database would checkpoint and delete the WAL.
    await new Promise((r) => setTimeout(r, 13_000));
    expect(wals()).toEqual(before);
    expect(existsSync(before[0]!)).toBe(true);
    expect(await cp.client.kvGet(k)).toBe('v');
  }, 30_000);

  it('an answered put survives a crash of the control plane right after', async () => {
    const k = keyOn(7, 'durable');
    const s = await openSocket(7);
    expect(await s.send({ id: 1, op: 'put', key: k, value: 'kept' })).toEqual({ id: 1, ok: true });
    await cp.restart();
    expect(await cp.client.kvGet(k)).toBe('kept');
  }, 60_000);
});

describe('a client with storeSocket', () => {
  it('uses the sockets once open, HTTP meanwhile and whenever one is lost, and answers every call right', async () => {
    const c = new TitanHttpClient({ url: cp.url, token: cp.clientToken, storeSocket: true, reconnectMs: 5_000 });
    try {
      // Before a shard's socket is open its calls go over HTTP; the sockets open meanwhile.
      for (let i = 0; i < 40; i++) await c.kvPut(`cli-${i}`, `v${i}`);
      expect(c.storeCalls.http).toBeGreaterThan(0);
      await waitFor(async () => {
        const before = c.storeCalls.socket;
        for (let i = 0; i < 40; i++) await c.kvGet(`cli-${i}`);
        return c.storeCalls.socket - before === 40;
      }, 5_000);
      const http = c.storeCalls.http;
      for (let i = 0; i < 40; i++) expect(await c.kvGet(`cli-${i}`)).toBe(`v${i}`);
      expect(await c.sadd('cli-set', 'm')).toBe(1);
      expect(await c.sadd('cli-set', 'm')).toBe(0);
      expect(await c.smembers('cli-set')).toEqual(['m']);
      await c.kvDelete('cli-0');
      expect(await cp.client.kvGet('cli-0')).toBeNull();
      expect(c.storeCalls.http).toBe(http); // all of these over the sockets
      // A value over the socket's limit goes over HTTP, whole.
      const big = 'b'.repeat(600 * 1024);
      await c.kvPut('cli-big', big);
      expect(await cp.client.kvGet('cli-big')).toBe(big);
      expect(c.storeCalls.http).toBe(http + 1);
      // The runtime restarts under the open sockets: calls go on (HTTP, then fresh sockets).
      const restart = cp.restart(300);
      const during: string[] = [];
      for (let i = 0; i < 20; i++) during.push((await c.kvGet(`cli-${1 + (i % 39)}`)) ?? 'null');
      await restart;
      expect(during).toEqual(Array.from({ length: 20 }, (_, i) => `v${1 + (i % 39)}`));
      for (let i = 1; i < 40; i++) expect(await c.kvGet(`cli-${i}`)).toBe(`v${i}`);
    } finally {
      await c.close();
    }
  }, 60_000);
});

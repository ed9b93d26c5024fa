import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { TitanHttpClient } from '../../sdk/ts/client';
import { OP } from '../../tcp-bridge/src/opcodes';
import { startBridge } from '../../tcp-bridge/src/server';
import { request } from './wire';

describe('with a real HTTP client', () => {
  it('a control plane that accepts but never answers yields ERROR well inside 10 s', async () => {
    const held: net.Socket[] = [];
    const silent = net.createServer((s) => held.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    const client = new TitanHttpClient({ url, token: 't', timeoutMs: 800 });
    const bridge = await startBridge({ client, port: 0, replyTimeoutMs: 2_000 });
    try {
      const t0 = Date.now();
      expect((await request(bridge.port, OP.GET_JOB_STATUS, 'x')).text).toMatch(/^ERROR: control plane unreachable: /);
      // UPLOAD uses the client's long artifact timeout; the bridge's own deadline still answers in time.
      const up = await request(bridge.port, OP.UPLOAD_ASSET, 'a.bin|AAAA');
      expect(up.text).toMatch(/^(UPLOAD_FAILED|ERROR): control plane unreachable/);
      expect(Date.now() - t0).toBeLessThan(5_000);
    } finally {
      await bridge.close();
      void client.close().catch(() => {}); // undici waits for the aborted upload; don't hold the test on it
      held.forEach((s) => s.destroy());
      silent.close();
    }
  }, 30_000);
});

describe('a refused connection', () => {
  const freePort = async () => {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise((r) => s.close(r));
    return port;
  };

  it('is waited out for reconnectMs (a local runtime restarting), and fails at once without it', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const plain = new TitanHttpClient({ url, token: 't', timeoutMs: 3_000 });
    const patient = new TitanHttpClient({ url, token: 't', timeoutMs: 3_000, reconnectMs: 2_000 });
    // The "runtime" comes back 400 ms from now, on the same port.
    const server = (await import('node:http')).createServer((_, res) => res.end(JSON.stringify({ ok: true })));
    const back = new Promise<void>((r) => setTimeout(() => server.listen(port, '127.0.0.1', () => r()), 400));
    try {
      const t0 = Date.now();
      await expect(plain.call('health', {})).rejects.toThrow(/control plane unreachable: ECONNREFUSED/);
      expect(Date.now() - t0).toBeLessThan(300);
      expect(await patient.call('health', {})).toEqual({ ok: true });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
    } finally {
      await back;
      await Promise.allSettled([plain.close(), patient.close()]);
      server.close();
    }
  }, 20_000);
});

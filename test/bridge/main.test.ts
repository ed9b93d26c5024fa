import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TitanHttpClient } from '../../sdk/ts/client';
import { resolveBridgeConfig } from '../../tcp-bridge/src/main';
import { OP } from '../../tcp-bridge/src/opcodes';
import { startBridge } from '../../tcp-bridge/src/server';
import { request } from './wire';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'titan-bridge-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('resolveBridgeConfig', () => {
  const empty = path.join(tmp, 'empty');
  mkdirSync(empty, { recursive: true });

  it('flags win over the environment; defaults for host and port', () => {
    expect(resolveBridgeConfig(['--url', 'http://a', '--token', 't'], { TITAN_URL: 'http://env', TITAN_TOKEN: 'e' }, empty)).toEqual({
      url: 'http://a',
      token: 't',
      host: '127.0.0.1',
      port: 9090,
      manifestPort: null,
    });
    expect(resolveBridgeConfig(['--host=0.0.0.0', '--port', '0', '--manifest-port', '5000'], { TITAN_URL: 'http://env', TITAN_TOKEN: 'e', TITAN_BRIDGE_PORT: '7000' }, empty)).toEqual({
      url: 'http://env',
      token: 'e',
      host: '0.0.0.0',
      port: 0,
      manifestPort: 5000,
    });
    expect(resolveBridgeConfig([], { TITAN_URL: 'http://env', TITAN_TOKEN: 'e', TITAN_BRIDGE_PORT: '7000' }, empty).port).toBe(7000);
  });

  it('falls back to .titan/cluster.json in the cwd', () => {
    const dir = path.join(tmp, 'cluster');
    mkdirSync(path.join(dir, '.titan'), { recursive: true });
    writeFileSync(path.join(dir, '.titan', 'cluster.json'), JSON.stringify({ url: 'http://127.0.0.1:8787', clientToken: 'tc_x', agentToken: 'ta_y' }));
    expect(resolveBridgeConfig([], {}, dir)).toMatchObject({ url: 'http://127.0.0.1:8787', token: 'tc_x' });
    expect(resolveBridgeConfig(['--token', 'mine'], {}, dir)).toMatchObject({ url: 'http://127.0.0.1:8787', token: 'mine' });
  });

  it('explains what is missing or wrong', () => {
    expect(() => resolveBridgeConfig([], {}, empty)).toThrow(/pass --url and --token/);
    expect(() => resolveBridgeConfig(['--url', 'http://a', '--token', 't', '--port', 'x'], {}, empty)).toThrow(/port must be a port number/);
    expect(() => resolveBridgeConfig(['--bogus', '1'], {}, empty)).toThrow(/unknown option --bogus/);
    expect(() => resolveBridgeConfig(['--url'], {}, empty)).toThrow(/--url needs a value/);
  });
});

describe('runBridgeCli', () => {
  it('prints its ready line, answers, and exits cleanly on SIGTERM', async () => {
    const script = `import { runBridgeCli } from ${JSON.stringify(path.join(root, 'tcp-bridge/src/main.ts'))};
await runBridgeCli(process.argv.slice(2)); console.log('closed');`;
    const file = path.join(tmp, 'run-bridge.mts');
    writeFileSync(file, script);
    const child = spawn(path.join(root, 'node_modules/.bin/tsx'), [file, '--url', 'http://127.0.0.1:9', '--token', 't', '--port', '0'], {
      cwd: tmp,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    const line = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ready line: ${out}`)), 20_000);
      child.stdout.on('data', () => {
        const m = /bridge listening on [^\n]+\n/.exec(out);
        if (m) (clearTimeout(t), resolve(m[0]));
      });
    });
    const m = /^bridge listening on 127\.0\.0\.1:(\d+) -> http:\/\/127\.0\.0\.1:9\n$/.exec(line);
    expect(m).not.toBeNull();
    // Port 9 (discard) refuses: the reply names the cause, quickly.
    const r = await request(Number(m![1]), OP.KV_GET, 'k');
    expect(r.text).toMatch(/^ERROR: control plane unreachable: /);
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(out).toContain('closed');
  }, 30_000);
});

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

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { OP } from '../../tcp-bridge/src/opcodes';
import { encodeFrame } from '../../tcp-bridge/src/codec';
import { exchange, parseReplies, request } from '../bridge/wire';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'titan-bridge-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('titan bridge', () => {
  it('prints its ready line, answers, and exits cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [path.join(root, 'bin/titan.mjs'), 'bridge', '--url', 'http://127.0.0.1:9', '--token', 't', '--port', '0'], {
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
  }, 30_000);

  it('with --bridge-token-file refuses a KV_GET sent without AUTH, and accepts the token', async () => {
    const tokenFile = path.join(tmp, 'bridge-token');
    writeFileSync(tokenFile, '  b-tok  \nignored\n', { mode: 0o600 });
    const child = spawn(process.execPath, [path.join(root, 'bin/titan.mjs'), 'bridge', '--url', 'http://127.0.0.1:9', '--token', 't', '--port', '0', '--bridge-token-file', tokenFile], {
      cwd: tmp,
      env: { ...process.env, TITAN_BRIDGE_TOKEN: 'env-loses' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      const port = await new Promise<number>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no ready line: ${out}`)), 20_000);
        child.stdout.on('data', () => {
          const m = /bridge listening on 127\.0\.0\.1:(\d+) .*\n/.exec(out);
          if (m) (clearTimeout(t), resolve(Number(m[1])));
        });
      });
      const refused = await exchange(port, encodeFrame(OP.KV_GET, 'k'));
      expect(parseReplies(refused.data).frames.map((f) => f.text)).toEqual(['ERROR: this bridge needs a token: send AUTH first (titan_sdk: TITAN_BRIDGE_TOKEN)']);
      expect(refused.closedByServer).toBe(true);
      const { data } = await exchange(port, Buffer.concat([encodeFrame(OP.AUTH, 'b-tok'), encodeFrame(OP.KV_GET, 'k')]), { expectFrames: 2, timeoutMs: 12_000 });
      const [auth, get] = parseReplies(data).frames;
      expect(auth!.text).toBe('AUTH_OK');
      expect(get!.text).toMatch(/^ERROR: control plane unreachable: /);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('exit', resolve));
    }
  }, 30_000);
});

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/controlPlane';

const ROOT = resolve(__dirname, '..', '..');
const TITAN = join(ROOT, 'bin', 'titan.mjs');

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => res(p));
    });
  });
}

function titan(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [TITAN, ...args], { cwd, encoding: 'utf8', timeout: 90_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let dir: string;
let up: ChildProcess;
let upOut = '';
let httpPort: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'titan-cli-'));
  httpPort = await freePort();
  const bridgePort = await freePort();
  up = spawn(process.execPath, [TITAN, 'up', '--http-port', String(httpPort), '--bridge-port', String(bridgePort), '--slots', '4'], { cwd: dir });
  up.stdout!.on('data', (d) => (upOut += d));
  up.stderr!.on('data', (d) => (upOut += d));
  // Ready once cluster.json exists and both lines are out (the dashboard line follows the ready line).
  await waitFor(async () => existsSync(join(dir, '.titan', 'cluster.json')) && upOut.includes('titan ready') && upOut.includes('dashboard:'), 60_000, 100);
});

afterAll(async () => {
  if (up && up.exitCode === null) {
    up.kill('SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('titan CLI against a local cluster from `titan up`', () => {
  it('writes cluster.json (0600) and prints one ready line with the dashboard URL', () => {
    const file = join(dir, '.titan', 'cluster.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const c = JSON.parse(readFileSync(file, 'utf8'));
    expect(c.url).toBe(`http://127.0.0.1:${httpPort}`);
    expect(c.clientToken).not.toBe(c.agentToken);
    expect(c.bridge.host).toBe('127.0.0.1');
    // The URL without the token; where to find it instead (test/cli/up.test.ts checks more).
    expect(upOut).toMatch(/dashboard: http:\/\/127\.0\.0\.1:\d+\/ \(sign in with clientToken from .*cluster\.json\)/);
    expect(upOut).not.toContain(c.clientToken);
  });

  it('submits a YAML pipeline and waits for it, with progress lines', () => {
    writeFileSync(join(dir, 'a.py'), 'print("step a")\n');
    writeFileSync(join(dir, 'b.py'), 'import sys\nprint("step b", *sys.argv[1:])\n');
    writeFileSync(join(dir, 'p.yaml'), 'name: cli-diamond\njobs:\n  - {id: cli-a, file: a.py}\n  - {id: cli-b, file: b.py, args: "x y", depends_on: [cli-a]}\n  - {id: cli-c, file: a.py, depends_on: [cli-a]}\n  - {id: cli-d, file: a.py, depends_on: [cli-b, cli-c]}\n');
    const r = titan(['submit', 'p.yaml', '--wait'], dir);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/submitted cli-diamond: 4 jobs/);
    expect(r.out).toMatch(/cli-d\s+COMPLETED/);
    expect(r.out).toMatch(/completed 4/);
  });

  it('shows status, logs and workers', () => {
    const s = titan(['status', 'cli-b'], dir);
    expect(s.out).toMatch(/^cli-b\s+COMPLETED/);
    expect(s.out).toMatch(/RUNNING\s+attempt 1 on local-1/);
    expect(titan(['status', 'DAG-cli-b'], dir).out).toMatch(/^cli-b\s+COMPLETED/);
    expect(titan(['logs', 'cli-b'], dir).out).toContain('step b x y');
    expect(titan(['logs', 'cli-b', '-f'], dir).out).toContain('step b x y');
    expect(titan(['workers'], dir).out).toMatch(/● local-1\s+GENERAL/);
    const missing = titan(['status', 'no-such-job'], dir);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no job no-such-job');
  });

  it('refuses a bad pipeline with a clear message and submits nothing', () => {
    writeFileSync(join(dir, 'bad.yaml'), 'jobs:\n  - {id: bad-a, file: a.py, depends_on: [bad-b]}\n  - {id: bad-b, file: a.py, depends_on: [bad-a]}\n');
    const r = titan(['submit', 'bad.yaml'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.yaml: cycle: /);
    expect(titan(['status', 'bad-a'], dir).code).toBe(1);
  });

  it('reads and writes the store, uploads files, cancels jobs', () => {
    expect(titan(['store', 'put', 'cli:k', 'héllo|wörld'], dir).out.trim()).toBe('OK');
    expect(titan(['store', 'get', 'cli:k'], dir).out).toBe('héllo|wörld\n');
    expect(titan(['store', 'sadd', 'cli:s', 'm'], dir).out.trim()).toBe('1');
    expect(titan(['store', 'sadd', 'cli:s', 'm'], dir).out.trim()).toBe('0');
    expect(titan(['store', 'smembers', 'cli:s'], dir).out.trim()).toBe('m');
    expect(titan(['store', 'get', 'cli:none'], dir).code).toBe(1);
    expect(titan(['upload', 'a.py'], dir).out).toMatch(/uploaded a\.py \(16 bytes/);
    writeFileSync(join(dir, 'slow.py'), 'import time\ntime.sleep(60)\n');
    writeFileSync(join(dir, 'slow.yaml'), 'jobs:\n  - {id: cli-slow, file: slow.py}\n');
    titan(['submit', 'slow.yaml'], dir);
    expect(titan(['cancel', 'cli-slow'], dir).out).toMatch(/cli-slow\s+CANCELLED/);
  });

  it('explains a port that is taken', async () => {
    const r = titan(['up', '--state', join(dir, 'other'), '--http-port', String(httpPort), '--bridge-port', String(await freePort())], dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`port ${httpPort} on 127.0.0.1 is already taken`);
  });

  it('stops everything cleanly on Ctrl-C', async () => {
    up.kill('SIGINT');
    const code = await new Promise<number | null>((res) => up.on('exit', (c) => res(c)));
    expect(code).toBe(0);
    expect(upOut).toContain('stopped.');
    expect(existsSync(join(dir, '.titan', 'cluster.json'))).toBe(false);
    // The state stays: tokens are reused on the next start.
    expect(existsSync(join(dir, '.titan', 'tokens.json'))).toBe(true);
  });
});

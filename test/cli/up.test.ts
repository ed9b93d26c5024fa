/**
 * `titan up` as a real process: a private state dir, no token on stdout, and a `kill -9` that
 * does not stop the next start (workerd would otherwise be left holding the port).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { OP } from '../../tcp-bridge/src/opcodes';
import { TitanHttpClient } from '../../sdk/ts/client';
import { b64, waitFor } from '../helpers/controlPlane';
import { request } from '../bridge/wire';

const TITAN = join(resolve(__dirname, '..', '..'), 'bin', 'titan.mjs');
const dir = mkdtempSync(join(tmpdir(), 'titan-up-'));
const state = join(dir, 'state');
const started: ChildProcess[] = [];

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => res(p));
    });
  });
}

async function up(ports: { http: number; bridge: number }, env: NodeJS.ProcessEnv = process.env, extra: string[] = ['--agents', '0']): Promise<{ child: ChildProcess; out: () => string }> {
  const child = spawn(process.execPath, [TITAN, 'up', '--state', state, ...extra, '--no-manifest', '--http-port', String(ports.http), '--bridge-port', String(ports.bridge)], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  // The dashboard line follows the ready line: wait for both.
  await waitFor(async () => child.exitCode !== null || (out.includes('titan ready') && out.includes('dashboard:')), 60_000, 100);
  if (child.exitCode !== null) throw new Error(`titan up exited ${child.exitCode}: ${out}`);
  return { child, out: () => out };
}

/** The workerd pid recorded for the state dir, and the watcher guarding it. */
function guard(): { workerd: number; watcher: number | null } {
  const workerd = (JSON.parse(readFileSync(join(state, 'workerd.pid'), 'utf8')) as { pid: number }).pid;
  const watcher = readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .find((p) => {
      try {
        const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        return argv.includes('titan-watch') && argv.includes(String(workerd));
      } catch {
        return false;
      }
    });
  return { workerd, watcher: watcher ? Number(watcher) : null };
}

const alive = (pid: number) => existsSync(`/proc/${pid}/cmdline`) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('workerd');
const exited = (c: ChildProcess) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.on('exit', r)));
/** Ctrl-C, and titan gone within `ms` (its own forced stop comes at 15 s); otherwise fail with what it printed. */
async function interrupt(t: { child: ChildProcess; out: () => string }, ms = 25_000): Promise<void> {
  t.child.kill('SIGINT');
  const late = new Promise((_, reject) => setTimeout(() => reject(new Error(`titan up still running ${ms} ms after SIGINT; it printed:\n${t.out()}`)), ms).unref());
  await Promise.race([exited(t.child), late]);
}

afterEach(async () => {
  for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) (c.kill('SIGINT'), await exited(c));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(process.platform !== 'linux')('titan up', () => {
  it('keeps the state dir private and the client token off stdout', async () => {
    mkdirSync(state, { recursive: true });
    chmodSync(state, 0o755); // an existing, too open dir is tightened
    const titan = await up({ http: await freePort(), bridge: await freePort() });
    const { out } = titan;
    expect(statSync(state).mode & 0o777).toBe(0o700);
    for (const f of ['cluster.json', 'tokens.json']) expect(statSync(join(state, f)).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(join(state, 'cluster.json'), 'utf8'));
    expect(out()).not.toContain(file.clientToken);
    expect(out()).not.toContain('?token=');
    expect(out()).toContain(`dashboard: ${file.url}/ (sign in with clientToken from ${join(state, 'cluster.json')})`);
    // cluster.json keeps the sign-in link for tools (it is 0600).
    expect(file.dashboard).toBe(`${file.url}/?token=${encodeURIComponent(file.clientToken)}`);
    await interrupt(titan);
    expect(titan.child.exitCode, out()).toBe(0);
    expect(existsSync(join(state, 'workerd.pid'))).toBe(false);
  }, 90_000);

  it('restarted when idle to give memory back, its bridge answers every call meanwhile, and nothing is lost', async () => {
    // Quiet for 1 s and any gain: a test's thresholds (the defaults are 10 min and 100 MB).
    const ports = { http: await freePort(), bridge: await freePort() };
    const titan = await up(ports, { ...process.env, TITAN_IDLE_RECYCLE_MS: '1000', TITAN_IDLE_RECYCLE_MIN_MB: '0' });
    const { out } = titan;
    const first = guard().workerd;
    expect((await request(ports.bridge, OP.KV_SET, 'idle-k|v1')).text).toBe('OK');
    // A program on the original SDK calling now and then, as the runtime restarts under it.
    const replies: string[] = [];
    const until = Date.now() + 8_000;
    while (Date.now() < until) {
      replies.push((await request(ports.bridge, OP.KV_GET, 'idle-k')).text);
      await new Promise((r) => setTimeout(r, 150));
    }
    expect(out()).toMatch(/local runtime restarted after \d+ s with nothing to do/);
    // Read between restarts (with these thresholds it restarts again and again; the pid file is rewritten each time).
    await waitFor(async () => guard().workerd !== first, 10_000);
    expect(new Set(replies)).toEqual(new Set(['v1'])); // every call answered with the stored value, none an error
    await interrupt(titan);
  }, 90_000);

  it('a second Ctrl-C while a job holds the stop kills the runtime at once and exits 1', async () => {
    const titan = await up({ http: await freePort(), bridge: await freePort() }, process.env, ['--agents', '1']);
    const { workerd } = guard();
    const file = JSON.parse(readFileSync(join(state, 'cluster.json'), 'utf8'));
    const client = new TitanHttpClient({ url: file.url, token: file.clientToken });
    try {
      await client.submitJob({ id: 'up-slow', file: 'slow.py', payloadB64: b64('import time\ntime.sleep(60)\n') });
      await waitFor(async () => (await client.getJob('up-slow')).job.state === 'RUNNING', 20_000);
    } finally {
      await client.close();
    }
    titan.child.kill('SIGINT'); // the agent now waits up to 5 s for its job
    await waitFor(async () => titan.out().includes('stopping the local cluster'), 5_000);
    const t0 = Date.now();
    titan.child.kill('SIGINT');
    await exited(titan.child);
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(titan.child.exitCode).toBe(1);
    expect(titan.out()).toMatch(/SIGINT again \(stopping the agents\): killing the local runtime/);
    await waitFor(async () => !alive(workerd), 5_000);
    expect(existsSync(join(state, 'workerd.pid'))).toBe(false);
  }, 90_000);

  it('after kill -9, workerd goes with it', async () => {
    const { child } = await up({ http: await freePort(), bridge: await freePort() });
    const { workerd, watcher } = guard();
    expect(alive(workerd)).toBe(true);
    expect(watcher).not.toBeNull();
    child.kill('SIGKILL');
    await exited(child);
    await waitFor(async () => !alive(workerd), 5_000);
  }, 90_000);

  it('after kill -9 of titan and its watcher, the next start on the same state and ports comes up', async () => {
    const ports = { http: await freePort(), bridge: await freePort() };
    const first = await up(ports);
    const { workerd, watcher } = guard();
    process.kill(watcher!, 'SIGKILL');
    first.child.kill('SIGKILL');
    await exited(first.child);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(alive(workerd)).toBe(true); // the orphan holds the port
    const second = await up(ports);
    expect(alive(workerd)).toBe(false);
    const file = JSON.parse(readFileSync(join(state, 'cluster.json'), 'utf8'));
    expect(file.url).toBe(`http://127.0.0.1:${ports.http}`);
    const res = await fetch(`${file.url}/v1/stats`, { headers: { authorization: `Bearer ${file.clientToken}` } });
    expect(res.status).toBe(200);
    await interrupt(second);
  }, 120_000);
});

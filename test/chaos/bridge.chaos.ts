// Chaos: SIGKILL the `titan bridge` process while a Python program written for the original SDK
// is mid-run (DAG submitted and running, store writes in a loop), restart it on the same port.
// The program sees connection errors during the gap and retries; afterwards every job is
// COMPLETED, each body completed once, and every store write that was acknowledged reads back.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { record } from './report';
import { hasLocalControlPlane, ROOT, sleep, spawnAgentProcess, startCluster, tmpdir, waitFor } from '../agent/helpers';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

const KILLS = 2;
const GAP_MS = 1_500; // how long the bridge stays down each time (the fault, not an assertion)
const JOBS = 14; // a root, 12 parallel children, a sink: five waves on 4 slots, so both kills land mid-DAG

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

function spawnBridge(url: string, token: string, port: number): { proc: ChildProcess; ready: Promise<void> } {
  let out = '';
  const proc = spawn(process.execPath, [path.join(ROOT, 'bin/titan.mjs'), 'bridge', '--url', url, '--token', token, '--port', String(port)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (c: Buffer) => {
      out += c.toString();
      if (/bridge listening on/.test(out)) resolve();
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.on('exit', (code, sig) => reject(new Error(`bridge exited early (${code ?? sig}):\n${out}`)));
  });
  ready.catch(() => {});
  return { proc, ready };
}

/** The Python program's stdout, line by line, with a way to wait for a progress condition. */
function watchLines(proc: ChildProcess) {
  let out = '';
  let err = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const progress = () => {
    const last = out.split('\n').filter((l) => l.startsWith('progress ')).pop() ?? '';
    return Object.fromEntries([...last.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1], Number(m[2])])) as Record<string, number>;
  };
  return { progress, text: () => `${out}\n${err}` };
}

describe.skipIf(!hasLocalControlPlane)('bridge restart', { timeout: 150_000 }, () => {
  it('a Python client mid-run loses nothing when the bridge is SIGKILLed and restarted', async () => {
    const c = await startCluster({ LEASE_TTL_MS: '3000', HEARTBEAT_MS: '500', AGENT_SILENT_MS: '4000', RETRY_BASE_MS: '50' });
    cleanups.push(() => c.stop());
    const agent = spawnAgentProcess(['--url', c.url, '--token', c.agentToken, '--name', 'chaos-bridge', '--slots', '4', '--workdir', tmpdir('chaos-agent')]);
    cleanups.push(() => agent.proc.kill('SIGKILL'));
    await agent.ready;

    const port = await freePort();
    let bridge = spawnBridge(c.url, c.clientToken, port);
    cleanups.push(() => bridge.proc.kill('SIGKILL'));
    await bridge.ready;

    const work = tmpdir('chaos-py');
    const marks = tmpdir('chaos-marks');
    const tag = `B${Date.now() % 1_000_000}`;
    const py = spawn('python3', [path.join(ROOT, 'test/chaos/bridge_client.py'), work, marks, tag, String(JOBS)], {
      cwd: work,
      env: { ...process.env, TITAN_HOST: '127.0.0.1', TITAN_PORT: String(port), PYTHONPATH: path.join(ROOT, 'sdk/python') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(() => py.kill('SIGKILL'));
    const lines = watchLines(py);
    const exited = new Promise<number | null>((resolve) => py.on('exit', resolve));

    // Each kill lands mid-run: while jobs are running and after more writes were acknowledged.
    let errorsBefore = 0;
  let ackedBefore = 0;
    for (let k = 0; k < KILLS; k++) {
      const acked = lines.progress().acked ?? 0;
      await waitFor('the client to be mid-run', async () => {
        const p = lines.progress();
        return p.running >= 1 && p.acked >= acked + 10;
      }, 60_000, 20).catch((e: Error) => {
        throw new Error(`${e.message}\n${lines.text()}`);
      });
      ({ errors: errorsBefore, acked: ackedBefore } = lines.progress());
      bridge.proc.kill('SIGKILL');
      await sleep(GAP_MS);
      bridge = spawnBridge(c.url, c.clientToken, port);
      await bridge.ready;
    }
    // The client has seen the gap and gone on writing through the new bridge.
    await waitFor('writes through the restarted bridge', async () => {
      const p = lines.progress();
      return p.errors > errorsBefore && p.acked >= ackedBefore + 10 && p.final === 1 ? p : undefined;
    }, 60_000, 50).catch((e: Error) => {
      throw new Error(`${e.message}\n${lines.text()}`);
    });
    fs.writeFileSync(path.join(work, 'stop'), '');
    expect(await exited).toBe(0);
    const result = JSON.parse(lines.text().split('\n').filter((l) => l.startsWith('{')).pop()!) as {
      ids: string[];
      statuses: Record<string, string>;
      acked: number;
      unacked: number;
      mismatched: Record<string, string>;
      errors: number;
      sampleErrors: string[];
      rounds: number;
    };
    console.log(`bridge chaos ${JSON.stringify(result)}`);

    const views = await Promise.all(result.ids.map(async (id) => (await c.client.getJob(`DAG-${id}`)).job));
    const count = (id: string, kind: string) => {
      const f = path.join(marks, `DAG-${id}.${kind}`);
      return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).length : 0;
    };
    const done = result.ids.map((id) => count(id, 'done'));
    const started = result.ids.map((id) => count(id, 'started'));
    const lost = done.filter((n) => n === 0).length + Object.keys(result.mismatched).length;
    const duplicated = done.filter((n) => n > 1).length;
    record({
      case: `bridge SIGKILL+restart x${KILLS}, Python client`,
      faults: KILLS,
      jobs: result.ids.length,
      executions: started.reduce((a, b) => a + b, 0),
      lost,
      duplicated,
      notes: `${result.acked} acked KV writes read back (${result.unacked} unacknowledged), ${result.errors} connection errors seen by the client, ${GAP_MS} ms gaps`,
    });
    expect(Object.values(result.statuses).every((s) => s === 'COMPLETED')).toBe(true);
    expect(views.map((j) => j.state)).toEqual(result.ids.map(() => 'COMPLETED'));
    expect(result.errors).toBeGreaterThan(0);
    expect(result.acked).toBeGreaterThanOrEqual(KILLS * 10);
    expect(result.mismatched).toEqual({});
    expect(lost).toBe(0);
    expect(duplicated).toBe(0);
  });
});

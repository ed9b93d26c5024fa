import net from 'node:net';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../../worker-agent/src/agent';
import { cleanupsAfterEach, embeddedBridge, hasLocalControlPlane, logText, pidAlive, py, sleep, spawnAgentProcess, startCluster, tmpdir, waitEnded, waitFor, type Cluster } from './helpers';

// Real processes against the real control plane (workerd through Miniflare).
const cleanups = cleanupsAfterEach();

async function cluster(vars: Record<string, string> = {}): Promise<Cluster> {
  const c = await startCluster({ RETRY_BASE_MS: '50', ...vars });
  cleanups.push(() => c.stop());
  return c;
}

async function agent(c: Cluster, extra: { capabilities?: string[]; slots?: number; name?: string; pythonZygote?: boolean } = {}): Promise<RunningAgent & { lines: string[] }> {
  const lines: string[] = [];
  const a = await startAgent({ url: c.url, token: c.agentToken, clientToken: c.clientToken, workdir: tmpdir('agent'), log: (l) => lines.push(l), startBridge: embeddedBridge, ...extra });
  cleanups.push(() => a.stop(500));
  return Object.assign(a, { lines });
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

// The Python-job behaviours, with jobs forked by the warm zygote and with a fresh interpreter each.
describe.skipIf(!hasLocalControlPlane).each([
  { mode: 'python zygote', pythonZygote: true },
  { mode: 'plain spawn', pythonZygote: false },
])('Python jobs ($mode)', { timeout: 60_000 }, ({ pythonZygote }) => {
  const zygoteFlag = ['--python-zygote', pythonZygote ? 'on' : 'off'];
  /** The job really ran the way this block is about (the zygote never silently stood aside). */
  const expectStartedBy = (logs: string) => expect(logs).toMatch(pythonZygote ? /\[system\] started \S+\.py from the python zygote/ : /\[system\] started python\S* \S+\.py \(pid/);

  it('runs a Python job with the SDK importable and ships its output to the job logs', async () => {
    const c = await cluster();
    await agent(c, { pythonZygote });
    const { job } = await c.client.submitJob(
      py('import os, sys\nimport titan_sdk\nprint("hello from", os.environ["TITAN_JOB_ID"], "bridge", os.environ.get("TITAN_PORT"))\nprint("to stderr", file=sys.stderr)\nsys.stdout.write("no newline")\n'),
    );
    const done = await waitEnded(c.client, job.id);
    expect(done.state).toBe('COMPLETED');
    const logs = await logText(c.client, job.id);
    expectStartedBy(logs);
    expect(logs).toContain(`[stdout] hello from ${job.id} bridge`);
    expect(logs).toContain('[stderr] to stderr');
    expect(logs).toContain('[stdout] no newline');
    expect(logs).toContain('[system] exited with code 0');
  });

  it('lets job scripts use the SDK through the embedded bridge', async () => {
    const c = await cluster();
    const a = await agent(c, { pythonZygote });
    if (!a.bridgePort) return; // bridge not available in this checkout (the agent warned)
    const { job } = await c.client.submitJob(py('from titan_sdk import TitanClient\nTitanClient().store_put("agent-test", "via-bridge")\nprint("stored")\n'));
    expect((await waitEnded(c.client, job.id)).state).toBe('COMPLETED');
    expect(await c.client.kvGet('agent-test')).toBe('via-bridge');
    expectStartedBy(await logText(c.client, job.id));
  });

  it('a failing job is retried and ends FAILED/DEAD with its attempts counted', async () => {
    const c = await cluster();
    await agent(c, { pythonZygote });
    const { job } = await c.client.submitJob(py('import sys\nprint("failing")\nsys.exit(3)\n', { maxRetries: 2 }));
    const done = await waitEnded(c.client, job.id);
    expect(done.state).toBe('DEAD');
    expect(done.status).toBe('FAILED');
    expect(done.attempts).toBe(3);
    expect(done.exitCode).toBe(3);
    const logs = await logText(c.client, job.id);
    expectStartedBy(logs);
    expect(logs).toContain('[stdout] failing');
  });

  it('an agent killed with SIGKILL mid-job: the job is re-run by another agent', async () => {
    const c = await cluster({ LEASE_TTL_MS: '2000', HEARTBEAT_MS: '500' });
    const victim = spawnAgentProcess(['--url', c.url, '--token', c.agentToken, '--name', 'victim', '--slots', '1', '--workdir', tmpdir('victim'), ...zygoteFlag]);
    cleanups.push(() => victim.proc.kill('SIGKILL'));
    await victim.ready;
    const { job } = await c.client.submitJob(py('import os, time\nprint("pid", os.getpid(), flush=True)\ntime.sleep(3)\nprint("finished")\n', { maxRetries: 3 }));
    const first = await waitFor('the job to start on the victim', async () => {
      const m = /\[stdout\] pid (\d+)/.exec(await logText(c.client, job.id));
      return m ? Number(m[1]) : undefined;
    });
    cleanups.push(() => process.kill(first, 'SIGKILL'));
    victim.proc.kill('SIGKILL');
    await waitFor('the job process to die with its agent', async () => !pidAlive(first), 1500, 20);
    const rescuer = await agent(c, { name: 'rescuer', pythonZygote });
    const done = await waitEnded(c.client, job.id, 30_000);
    expect(done.state).toBe('COMPLETED');
    expect(done.node).toBe(rescuer.name);
    expectStartedBy(await logText(c.client, job.id));
    expect(done.attempts).toBeGreaterThanOrEqual(2);
  });

  it('a SIGKILLed agent takes its job process groups with it; restarted under the same name it runs the job again', async () => {
    const c = await cluster();
    const workdir = tmpdir('phoenix');
    const args = ['--url', c.url, '--token', c.agentToken, '--name', 'phoenix', '--slots', '2', '--workdir', workdir, ...zygoteFlag];
    const before = spawnAgentProcess(args);
    cleanups.push(() => before.proc.kill('SIGKILL'));
    await before.ready;
    const body = 'import os, subprocess, time\np = subprocess.Popen(["sleep", "1000"])\nprint("pids", os.getpid(), p.pid, flush=True)\ntime.sleep(float(os.environ["TITAN_ATTEMPT"]) > 1 and 0.1 or 1000)\n';
    const jobs = await Promise.all([1, 2].map(async () => (await c.client.submitJob(py(body, { maxRetries: 3 }))).job));
    const pids = (
      await Promise.all(
        jobs.map((job) => waitFor('the job to start', async () => /\[stdout\] pids (\d+) (\d+)/.exec(await logText(c.client, job.id))?.slice(1).map(Number))),
      )
    ).flat();
    for (const pid of pids) cleanups.push(() => process.kill(pid, 'SIGKILL'));
    const killedAt = Date.now();
    before.proc.kill('SIGKILL');
    await waitFor('every job process and child to be gone', async () => pids.every((p) => !pidAlive(p)), 1500, 20);
    expect(Date.now() - killedAt).toBeLessThan(1500);
    const after = spawnAgentProcess(args);
    cleanups.push(() => after.proc.kill('SIGKILL'));
    await after.ready;
    expect(after.output()).not.toMatch(/killed \d+ job process group/); // nothing was left to reap
    for (const job of jobs) {
      const done = await waitEnded(c.client, job.id, 40_000);
      expect(done.state).toBe('COMPLETED');
      expect(done.attempts).toBe(2);
      expectStartedBy(await logText(c.client, job.id));
    }
  });

  it('a job over its timeoutMs is killed with its children and reports TIMEOUT', async () => {
    const c = await cluster();
    await agent(c, { pythonZygote });
    const { job } = await c.client.submitJob(
      py('import subprocess, time\np = subprocess.Popen(["sleep", "1000"])\nprint("child", p.pid, flush=True)\ntime.sleep(1000)\n', { timeoutMs: 1500, maxRetries: 0 }),
    );
    const done = await waitEnded(c.client, job.id);
    expect(done.state).toBe('DEAD');
    const logs = await logText(c.client, job.id);
    expect(logs).toMatch(/timeout after 1500 ms/);
    expectStartedBy(logs);
    const child = Number(/\[stdout\] child (\d+)/.exec(logs)![1]);
    await waitFor('the sleep child to be gone', async () => !pidAlive(child), 5000);
  });

  it.each([1, 2])('cancelling a running job kills its process tree within a second (%i slot(s))', async (slots) => {
    // The order comes with the agent's long-poll, held for orders only when every slot is busy,
    // not with the next heartbeat (30 s here).
    const c = await cluster({ HEARTBEAT_MS: '30000' });
    await agent(c, { pythonZygote, slots });
    const { job } = await c.client.submitJob(py('import os, time\nprint("pid", os.getpid(), flush=True)\ntime.sleep(1000)\n'));
    const pid = await waitFor('the job to start', async () => Number(/pid (\d+)/.exec(await logText(c.client, job.id))?.[1]) || undefined);
    await sleep(300); // the agent's poll is held again
    const t0 = Date.now();
    await c.client.cancelJob(job.id);
    await waitFor('the job process to be gone', async () => !pidAlive(pid), 1000, 20);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect((await waitEnded(c.client, job.id)).state).toBe('CANCELLED');
    expectStartedBy(await logText(c.client, job.id));
  });

  it('runs an archive entry with the unpacked root importable, and refuses a zip with ../evil', async () => {
    const c = await cluster();
    await agent(c, { pythonZygote });
    const enc = (s: string) => new TextEncoder().encode(s);
    await c.client.putArtifact('good.zip', zipSync({ 'app/main.py': enc('from pkg.m import X\nprint("got", X)\n'), 'pkg/__init__.py': enc(''), 'pkg/m.py': enc('X = "from-pkg"\n') }));
    await c.client.putArtifact('evil.zip', zipSync({ 'main.py': enc('print(1)\n'), '../evil': enc('pwned') }));
    const good = (await c.client.submitJob({ type: 'RUN_ARCHIVE', archive: 'good.zip', file: 'app/main.py' })).job;
    const evil = (await c.client.submitJob({ type: 'RUN_ARCHIVE', archive: 'evil.zip', file: 'main.py', maxRetries: 0 })).job;
    expect((await waitEnded(c.client, good.id)).state).toBe('COMPLETED');
    expect(await logText(c.client, good.id)).toContain('[stdout] got from-pkg');
    expectStartedBy(await logText(c.client, good.id));
    const bad = await waitEnded(c.client, evil.id);
    expect(bad.state).toBe('DEAD');
    expect(await logText(c.client, evil.id)).toMatch(/\[system\] cannot start: archive refused: entry "\.\.\/evil"/);
  });
});

describe.skipIf(!hasLocalControlPlane)('agent against a local control plane', { timeout: 60_000 }, () => {
  it('a GPU job waits for an agent with GPU, then runs there', async () => {
    const c = await cluster();
    await agent(c, { name: 'cpu-only' });
    const { job } = await c.client.submitJob(py('print("on gpu")\n', { requirement: 'GPU' }));
    await sleep(1500);
    expect((await c.client.getJob(job.id)).job.state).toBe('QUEUED');
    const gpu = await agent(c, { name: 'gpu-box', capabilities: ['GPU'] });
    const done = await waitEnded(c.client, job.id);
    expect(done.state).toBe('COMPLETED');
    expect(done.node).toBe(gpu.name); // node: the name of the agent that ran it
  });

  it('a crashing service is restarted, reported running, and can be stopped', async () => {
    const c = await cluster({ HEARTBEAT_MS: '500' });
    await agent(c);
    const port = await freePort();
    const marker = `${tmpdir('svc')}/crashed-once`;
    const code = [
      'import os, sys, http.server',
      'print("pid", os.getpid(), flush=True)',
      'if not os.path.exists(os.environ["MARKER"]):',
      '    open(os.environ["MARKER"], "w").close()',
      '    sys.exit(1)',
      'http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), http.server.SimpleHTTPRequestHandler).serve_forever()',
    ].join('\n');
    const { job } = await c.client.submitJob(py(code, { type: 'SERVICE', port, env: { MARKER: marker } }));
    const running = await waitFor('the service to run after a restart', async () => {
      const j = (await c.client.getJob(job.id)).job;
      return j.service && j.service.state === 'running' && j.service.restarts > 0 ? j : undefined;
    });
    expect(running.service!.restarts).toBeGreaterThanOrEqual(1);
    expect(await portOpen(port)).toBe(true);
    const pids = [...(await logText(c.client, job.id)).matchAll(/\[stdout\] pid (\d+)/g)].map((m) => Number(m[1]));
    await c.client.stopService(job.id);
    const ended = await waitEnded(c.client, job.id);
    expect(['COMPLETED', 'CANCELLED']).toContain(ended.state);
    await waitFor('the service process to be gone', async () => !pidAlive(pids.at(-1)!) && !(await portOpen(port)), 8000);
    expect(await logText(c.client, job.id)).toMatch(/restart #1/);
  });

  it('logs written while the control plane is down arrive after it comes back, once each', async () => {
    const first = await startCluster({ HEARTBEAT_MS: '500' });
    const port = Number(new URL(first.url).port);
    let c: Cluster = first;
    cleanups.push(() => c.stop());
    await agent(c);
    const { job } = await c.client.submitJob(py('import time\nprint("before", flush=True)\ntime.sleep(2)\nfor i in range(5):\n    print("during", i, flush=True)\ntime.sleep(2)\nprint("after")\n'));
    await waitFor('the first line', async () => (await logText(c.client, job.id)).includes('before'));
    await first.stop();
    await sleep(5000);
    c = await startCluster({ HEARTBEAT_MS: '500' }, first.stateDir, port);
    const done = await waitEnded(c.client, job.id, 40_000);
    expect(done.state).toBe('COMPLETED');
    const stdout = (await c.client.getLogs(job.id, { limit: 5000 })).lines.filter((l) => l.stream === 'stdout').map((l) => l.text);
    expect(stdout).toEqual(['before', 'during 0', 'during 1', 'during 2', 'during 3', 'during 4', 'after']);
  });
});

describe.skipIf(!hasLocalControlPlane)('agent lifecycle', { timeout: 60_000 }, () => {
  it('the CLI process drains on SIGTERM: lets the running job finish, reports it, deregisters, exits 0', async () => {
    const c = await cluster();
    const p = spawnAgentProcess(['--url', c.url, '--token', c.agentToken, '--name', 'graceful', '--workdir', tmpdir('graceful'), '--grace', '10']);
    cleanups.push(() => p.proc.kill('SIGKILL'));
    await p.ready;
    expect(p.output()).toMatch(/agent graceful ready \(GENERAL.*, 4 slots\)/);
    // Store calls through the agent's bridge first: its store sockets are open when the stop comes.
    const code = 'import time\nfrom titan_sdk import TitanClient\nfor i in range(30):\n    TitanClient().store_put(f"drain-{i}", str(i))\n    time.sleep(0.01)\nprint("start", flush=True)\ntime.sleep(1.5)\nprint("end")\n';
    const { job } = await c.client.submitJob(py(code));
    await waitFor('the job to start', async () => (await logText(c.client, job.id)).includes('start'));
    const exited = new Promise<number | null>((r) => p.proc.on('exit', r));
    p.proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect((await c.client.getJob(job.id)).job.state).toBe('COMPLETED');
    expect(await c.client.kvGet('drain-29')).toBe('29');
    const agents = (await c.client.listAgents()).agents.filter((a) => a.name === 'graceful' && a.alive);
    expect(agents).toEqual([]);
  });

  it('an idle agent process exits within 2 s of SIGTERM', async () => {
    const c = await cluster();
    const p = spawnAgentProcess(['--url', c.url, '--token', c.agentToken, '--name', 'idle', '--workdir', tmpdir('idle')]);
    cleanups.push(() => p.proc.kill('SIGKILL'));
    await p.ready;
    await sleep(300); // its long-poll is held
    const exited = new Promise<number | null>((r) => p.proc.on('exit', r));
    const t0 = Date.now();
    p.proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('stopped while its result cannot be delivered, it still exits in time; the next start on the workdir delivers it', async () => {
    const first = await startCluster({ HEARTBEAT_MS: '500' });
    const port = Number(new URL(first.url).port);
    let c: Cluster = first;
    cleanups.push(() => c.stop());
    const workdir = tmpdir('undelivered');
    const args = ['--url', c.url, '--token', c.agentToken, '--name', 'undelivered', '--workdir', workdir, '--grace', '3'];
    const p = spawnAgentProcess(args);
    cleanups.push(() => p.proc.kill('SIGKILL'));
    await p.ready;
    const { job } = await c.client.submitJob(py('import time\nprint("start", flush=True)\ntime.sleep(1)\nprint("end")\n'));
    await waitFor('the job to start', async () => (await logText(c.client, job.id)).includes('start'));
    await first.stop();
    const exited = new Promise<number | null>((r) => p.proc.on('exit', r));
    const t0 = Date.now();
    p.proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(3000 + 2000);
    expect(p.output()).toMatch(/1 result\(s\) left in/);
    c = await startCluster({ HEARTBEAT_MS: '500' }, first.stateDir, port);
    const again = spawnAgentProcess(args);
    cleanups.push(() => again.proc.kill('SIGKILL'));
    await again.ready;
    const done = await waitEnded(c.client, job.id, 30_000);
    expect(done.state).toBe('COMPLETED');
    expect(done.attempts).toBe(1); // delivered, not re-run
    const stdout = (await c.client.getLogs(job.id, { limit: 100 })).lines.filter((l) => l.stream === 'stdout').map((l) => l.text);
    expect(stdout).toEqual(['start', 'end']);
  });
});

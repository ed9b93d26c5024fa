// Services that stay healthy, end to end: a real control plane (workerd) and real agents running
// Python services. A failing health check restarts the service, a crash loop is shown as one,
// `titan stop` ends it, and a service whose agent is SIGKILLed comes back on another agent.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startAgent } from '../../worker-agent/src/agent';
import type { JobView } from '../../control-plane/src/contract/jobs';
import { cleanupsAfterEach, embeddedBridge, hasLocalControlPlane, logText, py, ROOT, spawnAgentProcess, startCluster, tmpdir, waitEnded, waitFor, type Cluster } from './helpers';

const cleanups = cleanupsAfterEach();

async function cluster(vars: Record<string, string> = {}): Promise<Cluster> {
  const c = await startCluster({ RETRY_BASE_MS: '50', HEARTBEAT_MS: '300', ...vars });
  cleanups.push(() => c.stop());
  return c;
}

async function agent(c: Cluster) {
  const a = await startAgent({ url: c.url, token: c.agentToken, clientToken: c.clientToken, workdir: tmpdir('agent'), log: () => {}, startBridge: embeddedBridge });
  cleanups.push(() => a.stop(500));
  return a;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });

/** The `titan` CLI as a user runs it (asynchronously: the in-process agent keeps beating meanwhile). */
async function titan(c: Cluster, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/titan.mjs'), ...args, '--url', c.url, '--token', c.clientToken], { timeout: 60_000 });
  return stdout;
}

const service = async (c: Cluster, id: string): Promise<JobView> => (await c.client.getJob(id)).job;
const historyOf = async (c: Cluster, id: string) => ((await c.client.getJob(id)).job.history ?? []).map((h) => h.note ?? '').join('\n');

/** An HTTP service whose /healthz fails while FLAG exists; a fresh process removes FLAG, so it starts healthy. */
const FLAKY_HTTP = [
  'import os',
  'from http.server import BaseHTTPRequestHandler, HTTPServer',
  'flag = os.environ["FLAG"]',
  'if os.path.exists(flag):',
  '    os.remove(flag)',
  'print("serving", os.getpid(), flush=True)',
  'class H(BaseHTTPRequestHandler):',
  '    def do_GET(self):',
  '        self.send_response(500 if os.path.exists(flag) else 200)',
  '        self.end_headers()',
  '        self.wfile.write(b"ok")',
  '    def log_message(self, *a):',
  '        pass',
  'HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()',
].join('\n');

describe.skipIf(!hasLocalControlPlane)('services that stay healthy', { timeout: 90_000 }, () => {
  it('refuses a health check on a run job or on a service without a port', async () => {
    const c = await cluster();
    const health = { http: '/healthz' };
    await expect(c.client.submitJob(py('print(1)', { health }))).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/health check needs a SERVICE/) });
    await expect(c.client.submitJob(py('print(1)', { type: 'SERVICE', health }))).rejects.toMatchObject({ status: 400 });
    await expect(c.client.submitJob(py('print(1)', { type: 'SERVICE', port: 8080, health: { http: '/x', intervalMs: 10 } }))).rejects.toMatchObject({ status: 400 });
  });

  it('restarts a service whose health check fails: unhealthy, restarted, healthy again; titan stop ends it', async () => {
    const c = await cluster();
    await agent(c);
    const port = await freePort();
    const flag = path.join(tmpdir('svc'), 'unhealthy');
    const { job } = await c.client.submitJob(py(FLAKY_HTTP, { id: 'svc-flaky', type: 'SERVICE', port, env: { FLAG: flag }, health: { http: '/healthz', intervalMs: 200, failures: 2 } }));
    expect(job.health).toEqual({ http: '/healthz', intervalMs: 200, timeoutMs: 2000, failures: 2 });
    await waitFor('the service to be healthy', async () => {
      const s = (await service(c, job.id)).service;
      return s?.state === 'running' && s.health === 'healthy';
    });
    expect((await service(c, job.id)).service).toMatchObject({ restarts: 0, lastExit: null, crashLoop: false });

    fs.writeFileSync(flag, ''); // /healthz answers 500 from now on
    const back = await waitFor('a restart after failed checks, then healthy again', async () => {
      const j = await service(c, job.id);
      return j.service && j.service.restarts >= 1 && j.service.health === 'healthy' && j.service.state === 'running' ? j : undefined;
    });
    expect(back.state).toBe('RUNNING');
    expect(back.service).toMatchObject({ restarts: 1, lastExit: 'unhealthy: 2 failed checks', crashLoop: false });
    const history = await historyOf(c, job.id);
    expect(history).toMatch(/unhealthy: restarting/);
    expect(history.indexOf('healthy again')).toBeGreaterThan(history.indexOf('unhealthy: restarting'));
    const logs = await logText(c.client, job.id);
    expect(logs).toContain('health check failed (2/2)');
    expect(logs).toContain('service killed (unhealthy: 2 failed checks); restart #1');
    expect([...logs.matchAll(/\[stdout\] serving (\d+)/g)]).toHaveLength(2);

    const listed = await titan(c, 'services');
    expect(listed).toMatch(/^ID\s+AGENT\s+PORT\s+STATE\s+HEALTH\s+RESTARTS\s+LAST EXIT$/m);
    expect(listed).toMatch(new RegExp(`^svc-flaky\\s+\\S+\\s+${port}\\s+running\\s+healthy\\s+1\\s+unhealthy: 2 failed checks$`, 'm'));

    await titan(c, 'stop', job.id);
    const ended = await waitEnded(c.client, job.id);
    expect(['COMPLETED', 'CANCELLED']).toContain(ended.state);
    expect(ended.service?.state).toBe('stopped');
    await waitFor('its port to close', async () => !(await new Promise((r) => net.connect(port, '127.0.0.1').once('connect', function (this: net.Socket) { this.destroy(); r(true); }).once('error', () => r(false)))), 8000);
  });

  it('shows a service that exits at once as a crash loop, with its last exit', async () => {
    const c = await cluster();
    await agent(c);
    const { job } = await c.client.submitJob(py('import sys\nprint("boom", flush=True)\nsys.exit(3)\n', { id: 'svc-crashy', type: 'SERVICE' }));
    const looping = await waitFor('a crash loop', async () => {
      const j = await service(c, job.id);
      return j.service?.crashLoop ? j : undefined;
    }, 40_000, 200);
    expect(looping.state).toBe('RUNNING'); // still kept alive, and said to be failing
    expect(looping.service!.restarts).toBeGreaterThanOrEqual(5);
    expect(looping.service!.lastExit).toBe('code 3');
    expect(await historyOf(c, job.id)).toMatch(/crash loop: 5 restarts within 5 min, last exit code 3/);
    const { services } = await c.client.stats();
    expect(services.find((s) => s.id === job.id)).toMatchObject({ crashLoop: true, lastExit: 'code 3' });
    expect(await titan(c, 'services')).toMatch(/^svc-crashy\s+\S+\s+-\s+\S+ CRASH-LOOP\s+-\s+\d+\s+code 3$/m);

    await titan(c, 'stop', job.id);
    const ended = await waitEnded(c.client, job.id);
    expect(ended.service).toMatchObject({ state: 'stopped', crashLoop: false }); // an ended service loops no more
  });

  it('starts a service again on another agent when its agent is SIGKILLed', async () => {
    const c = await cluster({ LEASE_TTL_MS: '3000', HEARTBEAT_MS: '500', AGENT_SILENT_MS: '4000' });
    const spawnOne = async (name: string) => {
      const a = spawnAgentProcess(['--url', c.url, '--token', c.agentToken, '--name', name, '--workdir', tmpdir('agent')]);
      cleanups.push(() => a.proc.kill('SIGKILL'));
      await a.ready;
      return a;
    };
    const agents = { 'svc-a': await spawnOne('svc-a'), 'svc-b': await spawnOne('svc-b') };
    const port = await freePort();
    const flag = path.join(tmpdir('svc'), 'never');
    const { job } = await c.client.submitJob(py(FLAKY_HTTP, { id: 'svc-moving', type: 'SERVICE', port, env: { FLAG: flag }, health: { http: null, intervalMs: 300 } }));
    const first = await waitFor('the service to be healthy', async () => {
      const j = await service(c, job.id);
      return j.service?.state === 'running' && j.service.health === 'healthy' ? j : undefined;
    });
    const victim = first.node as keyof typeof agents;
    const survivor = victim === 'svc-a' ? 'svc-b' : 'svc-a';
    const killedAt = Date.now();
    agents[victim].proc.kill('SIGKILL');

    const moved = await waitFor('the service running on the other agent', async () => {
      const j = await service(c, job.id);
      return j.state === 'RUNNING' && j.node === survivor && j.service?.state === 'running' && j.service.health === 'healthy' ? j : undefined;
    }, 40_000, 200);
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(2500); // not before its lease ran out
    expect(moved.attempts).toBe(2);
    expect(await historyOf(c, job.id)).toMatch(/attempt 2 on svc-b|attempt 2 on svc-a/);
    expect(await titan(c, 'services')).toMatch(new RegExp(`^svc-moving\\s+${survivor}\\s+${port}\\s+running\\s+healthy`, 'm'));
    await c.client.stopService(job.id);
    await waitEnded(c.client, job.id);
  });
});

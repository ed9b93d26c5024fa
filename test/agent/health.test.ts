// Service health on the agent: the pure tally, the probes against real sockets, and the
// supervisor's restart rules driven by fake processes and a fake probe.
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { afterProbe, crashesAfter, exitText, FRESH_TALLY, STABLE_MS, unhealthyExit } from '../../worker-agent/src/runners/health';
import { healthProbe, httpOk, tcpOpen } from '../../worker-agent/src/runners/probe';
import { ServiceSupervisor } from '../../worker-agent/src/runners/service';
import type { Exit, Proc } from '../../worker-agent/src/process';
import { waitFor } from './helpers';

describe('health tally', () => {
  it('turns unhealthy only at the threshold of failures in a row, and asks for a restart then', () => {
    let t = FRESH_TALLY;
    const steps = [false, false, true, false, false, false].map((ok) => {
      const r = afterProbe(t, ok, 3);
      t = r.tally;
      return [r.tally.health, r.tally.failures, r.restart];
    });
    expect(steps).toEqual([
      ['unknown', 1, false],
      ['unknown', 2, false],
      ['healthy', 0, false], // a good check clears the count
      ['healthy', 1, false],
      ['healthy', 2, false],
      ['unhealthy', 0, true], // the count starts over for the next process
    ]);
    expect(afterProbe({ health: 'unhealthy', failures: 0 }, true, 3)).toEqual({ tally: { health: 'healthy', failures: 0 }, restart: false });
    expect(afterProbe(FRESH_TALLY, false, 1).restart).toBe(true);
  });

  it('names exits and resets the crash count after a stable run', () => {
    expect(exitText({ code: 1, signal: null })).toBe('code 1');
    expect(exitText({ code: null, signal: 'SIGKILL' })).toBe('SIGKILL');
    expect(unhealthyExit(3)).toBe('unhealthy: 3 failed checks');
    expect(crashesAfter(4, STABLE_MS + 1)).toBe(0);
    expect(crashesAfter(4, 10)).toBe(4);
  });
});

describe('probes', () => {
  const servers: (http.Server | net.Server)[] = [];
  afterEach(() => servers.splice(0).forEach((s) => s.close()));
  const listen = (s: http.Server | net.Server) =>
    new Promise<number>((resolve) => {
      servers.push(s);
      s.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port));
    });
  const closedPort = async () => {
    const s = net.createServer();
    const port = await new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as net.AddressInfo).port)));
    await new Promise((r) => s.close(r));
    return port;
  };

  it('HTTP: 2xx is healthy; other statuses, a hang and a closed port are not', async () => {
    const port = await listen(
      http.createServer((req, res) => {
        if (req.url === '/hang') return; // never answers
        res.statusCode = req.url === '/healthz' ? 204 : req.url === '/redirect' ? 302 : 500;
        res.end('x');
      }),
    );
    expect(await httpOk(port, '/healthz', 1000)).toBe(true);
    expect(await httpOk(port, '/broken', 1000)).toBe(false);
    expect(await httpOk(port, '/redirect', 1000)).toBe(false);
    const t0 = Date.now();
    expect(await httpOk(port, '/hang', 150)).toBe(false);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await httpOk(await closedPort(), '/healthz', 1000)).toBe(false);
  });

  it('TCP: an open port is healthy, a closed one not; healthProbe picks by the check', async () => {
    const port = await listen(net.createServer((s) => s.end()));
    expect(await tcpOpen(port)).toBe(true);
    expect(await tcpOpen(await closedPort())).toBe(false);
    expect(await healthProbe(port, { http: null, timeoutMs: 500 })()).toBe(true);
    expect(await healthProbe(port, { http: '/x', timeoutMs: 300 })()).toBe(false); // not HTTP at all
  });
});

/** A process that runs until killed, or until `exit` is called. */
function fakeProc(pid: number): Proc & { exit(e: Exit): void; killed: boolean } {
  let exit!: (e: Exit) => void;
  const exited = new Promise<Exit>((r) => (exit = r));
  const p = {
    pid,
    exited,
    killed: false,
    exit,
    async killTree() {
      p.killed = true;
      exit({ code: null, signal: 'SIGTERM' });
    },
  };
  return p;
}

describe('service supervisor', () => {
  const check = { http: '/healthz', intervalMs: 5, timeoutMs: 100, failures: 3 };

  it('restarts a service that fails its checks, then reports it healthy again', async () => {
    const procs: ReturnType<typeof fakeProc>[] = [];
    const notes: string[] = [];
    let healthy = true;
    const seen: string[] = [];
    const sup: ServiceSupervisor = new ServiceSupervisor(() => (procs.push(fakeProc(procs.length + 1)), procs.at(-1)!), {
      port: 1234, health: check, note: (t) => notes.push(t), ready: async () => true, probe: async () => healthy, delay: () => 1,
      onChange: () => seen.push(`${sup.state}/${sup.health}`),
    });
    await waitFor('healthy', async () => sup.health === 'healthy', 2000, 2);
    healthy = false;
    await waitFor('a restart', async () => sup.restarts === 1, 2000, 2);
    expect(procs[0]!.killed).toBe(true);
    expect(sup.status()).toMatchObject({ health: 'unhealthy', lastExit: 'unhealthy: 3 failed checks' });
    healthy = true;
    await waitFor('healthy again', async () => sup.health === 'healthy' && sup.state === 'running', 2000, 2);
    expect(procs).toHaveLength(2);
    expect(notes.filter((n) => n.startsWith('health check failed'))).toEqual(['health check failed (1/3)', 'health check failed (2/3)', 'health check failed (3/3)']);
    expect(notes).toContain('service killed (unhealthy: 3 failed checks); restart #1 in 1 ms');
    expect(seen).toEqual(expect.arrayContaining(['running/unknown', 'running/healthy', 'running/unhealthy', 'restarting/unhealthy']));
    await sup.stop();
    expect(procs[1]!.killed).toBe(true);
    expect(sup.restarts).toBe(1); // a stop is no restart
  });

  it('counts every crash, keeps the last exit, and backs off by crashes in a row', async () => {
    const delays: number[] = [];
    let n = 0;
    const sup = new ServiceSupervisor(
      () => {
        const p = fakeProc(++n);
        setTimeout(() => p.exit({ code: 3, signal: null }), 1);
        return p;
      },
      { port: 0, note: () => {}, delay: (c) => (delays.push(c), 1) },
    );
    await waitFor('four restarts', async () => sup.restarts >= 4, 2000, 2);
    await sup.stop();
    expect(sup.lastExit).toBe('code 3');
    expect(sup.health).toBe('unknown'); // no check: nothing is claimed
    expect(delays.slice(0, 4)).toEqual([0, 1, 2, 3]);
  });
});

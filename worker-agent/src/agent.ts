import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent as Dispatcher } from 'undici';
import type { Lease, RegisterAgentResponse } from '../../control-plane/src/contract/agents';
import { TitanApiError, TitanHttpClient } from '../../sdk/ts/client';
import { Waker, backoffDelay, sleep } from './backoff';
import { startEmbeddedBridge, type EmbeddedBridge } from './bridge';
import { detect, type Detected } from './capabilities';
import { LogShipper } from './logShipper';
import { Outbox } from './outbox';
import { ResultReporter } from './reporter';
import { runJob, type JobHandle } from './runners/job';
import { pidFiles, resolvePython } from './runners/process';
import type { RunContext } from './runners/script';
import { PythonZygote } from './zygote/pythonZygote';

export interface AgentOptions {
  url: string;
  token: string;
  clientToken?: string;
  capabilities?: string[];
  slots?: number;
  ephemeral?: boolean;
  name?: string;
  workdir?: string;
  log?: (line: string) => void;
  heartbeatMs?: number;
  /** Already-detected machine facts (the CLI detects once and prints them). */
  detected?: Detected;
  /** Fork `.py` batch jobs from a pre-warmed interpreter (see zygote/zygote.py). */
  pythonZygote?: boolean;
}

/** Whether agents use the Python zygote unless told otherwise. */
export const PYTHON_ZYGOTE_DEFAULT = true;

export interface RunningAgent {
  id: string;
  name: string;
  bridgePort: number;
  stop(graceMs?: number): Promise<void>;
}

const LEASE_WAIT_MS = 25_000;

/** hostname-pid, cut down to what the control plane accepts as an agent name. */
export function defaultName(host = os.hostname(), pid = process.pid): string {
  return `${host.replace(/[^A-Za-z0-9_.:@-]/g, '-').slice(0, 150) || 'agent'}-${pid}`;
}

interface Running {
  lease: Lease;
  handle: JobHandle;
}

const is404 = (e: unknown) => e instanceof TitanApiError && e.status === 404;
const isAuth = (e: unknown) => e instanceof TitanApiError && (e.status === 401 || e.status === 403);

export async function startAgent(opts: AgentOptions): Promise<RunningAgent> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const slots = Math.max(1, opts.slots ?? 4);
  const name = opts.name ?? defaultName();
  const workdir = path.resolve(opts.workdir ?? path.join(os.tmpdir(), 'titan-agent', name));
  const detected = opts.detected ?? (await detect({ extra: opts.capabilities }));
  const capabilities = opts.detected ? [...new Set([...detected.capabilities, ...(opts.capabilities ?? []).map((c) => c.toUpperCase())])] : detected.capabilities;

  // Our own dispatcher, so stop() can drop a long-poll in flight instead of waiting 25 s for it.
  const dispatcher = new Dispatcher({ connections: 32, keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0 });
  const client = new TitanHttpClient({ url: opts.url, token: opts.token, dispatcher });
  const bridgeClient = new TitanHttpClient({ url: opts.url, token: opts.clientToken ?? opts.token, dispatcher, timeoutMs: 7_000, transferTimeoutMs: 8_500 });

  let agentId = '';
  let heartbeatMs = opts.heartbeatMs ?? 10_000;
  let stopping = false;
  let stopped = false;
  const running = new Map<string, Running>();
  const held = new Set<string>(); // lease ids to keep alive: running, or result not yet acknowledged
  const slotFreed = new Waker();
  const heartbeatNow = new Waker();

  // ---- registration ----
  async function registerOnce(): Promise<RegisterAgentResponse> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await client.registerAgent({
          name,
          capabilities,
          slots,
          ephemeral: opts.ephemeral ?? false,
          info: { host: detected.host, cpus: detected.cpus, memoryMb: detected.memoryMb, gpus: detected.gpus, version: '0.1.0' },
        });
      } catch (err) {
        if (err instanceof TitanApiError && err.status < 500 && err.status !== 408 && err.status !== 429) throw err;
        if (attempt === 0) log(`control plane unreachable, retrying: ${(err as Error).message}`);
        await sleep(backoffDelay(attempt));
      }
    }
  }
  function applyRegistration(res: RegisterAgentResponse): void {
    agentId = res.agentId;
    heartbeatMs = opts.heartbeatMs ?? res.heartbeatMs;
    // What the control plane re-queued is no longer ours to run.
    for (const r of running.values()) if (res.requeued.includes(r.lease.job.id)) lose(r.lease.leaseId);
  }
  let reregistering: Promise<void> | undefined;
  function reregister(): Promise<void> {
    reregistering ??= (async () => {
      log(`control plane does not know agent ${agentId}; registering again as ${name}`);
      try {
        applyRegistration(await registerOnce());
      } catch (err) {
        log(`re-registration failed: ${(err as Error).message}`);
        await sleep(backoffDelay(3));
      } finally {
        reregistering = undefined;
      }
    })();
    return reregistering;
  }

  // ---- logs and results ----
  const outbox = new Outbox({
    dir: path.join(workdir, 'outbox'),
    send: async (b) => void (await client.appendLogs(b.jobId, b.body)),
    log,
  });
  const reporter = new ResultReporter({
    send: async (results) => (await client.complete(agentId, results)).acks,
    onSettled: (leaseId) => held.delete(leaseId),
    onAgentGone: () => void reregister(),
    log,
  });
  const linkUp = () => outbox.kick();

  function lose(leaseId: string): void {
    running.get(leaseId)?.handle.kill('lost');
    reporter.forget(leaseId);
    held.delete(leaseId);
  }

  // ---- running jobs ----
  let bridge: EmbeddedBridge | null = null;
  fs.mkdirSync(workdir, { recursive: true });
  const python = resolvePython(workdir);
  const reaped = pidFiles.reap(path.join(workdir, 'pids'));
  if (reaped.length) log(`killed ${reaped.length} job process group(s) left by a previous agent on ${workdir}`);
  // Started now, so it is warm by the time the first lease arrives; until then jobs are spawned.
  const zygote = (opts.pythonZygote ?? PYTHON_ZYGOTE_DEFAULT) ? new PythonZygote(python, log) : undefined;
  const ctx: RunContext = { client, workdir, url: opts.url, python, zygote, log, onServiceChange: () => heartbeatNow.wake() };

  function start(lease: Lease): void {
    if (running.has(lease.leaseId)) return;
    const { job } = lease;
    const started = Date.now();
    const logs = new LogShipper({ jobId: job.id, run: job.run, attempt: job.attempt, outbox });
    const handle = runJob(lease, ctx, logs);
    running.set(lease.leaseId, { lease, handle });
    held.add(lease.leaseId);
    void handle.done.then(async (outcome) => {
      const durationMs = Date.now() - started;
      await logs.close(); // a user who sees the result must see every log line
      running.delete(lease.leaseId);
      slotFreed.wake();
      if (handle.killedFor === 'lost' || handle.killedFor === 'shutdown' || !held.has(lease.leaseId)) {
        held.delete(lease.leaseId);
        return;
      }
      reporter.add({ leaseId: lease.leaseId, status: outcome.status, exitCode: outcome.exitCode, durationMs, error: outcome.error });
    });
  }

  // ---- lease loop ----
  async function leaseLoop(): Promise<void> {
    let failures = 0;
    while (!stopping) {
      const free = slots - running.size;
      if (free <= 0) {
        await slotFreed.sleep(60_000); // nothing to ask for until a job ends
        continue;
      }
      const complete = reporter.take();
      const t0 = Date.now();
      try {
        const res = await client.lease(agentId, { max: free, waitMs: LEASE_WAIT_MS, complete });
        reporter.settle(complete, res.acks);
        failures = 0;
        linkUp();
        for (const l of res.leases) if (!stopping) start(l); // after stop, deregistering re-queues them
        // Guard against a control plane that answers at once with nothing: never spin.
        if (!res.leases.length && Date.now() - t0 < 50) await sleep(250);
      } catch (err) {
        if (complete.length) reporter.putBack(complete);
        if (stopping) break;
        if (is404(err)) {
          await reregister();
        } else {
          if (failures === 0 || isAuth(err)) log(`lease failed: ${(err as Error).message}; retrying with backoff`);
          await sleep(backoffDelay(failures++));
        }
      }
    }
  }

  // ---- heartbeat loop ----
  async function heartbeatLoop(): Promise<void> {
    let failing = false;
    while (!stopped) {
      await heartbeatNow.sleep(heartbeatMs);
      if (stopped) break;
      try {
        const services = [...running.values()].flatMap((r) => {
          const s = r.handle.service();
          return s ? [{ leaseId: r.lease.leaseId, state: s.state, restarts: s.restarts }] : [];
        });
        const res = await client.heartbeat(agentId, { leases: [...held], services });
        if (failing) log('control plane reachable again');
        failing = false;
        linkUp();
        for (const o of res.orders) running.get(o.leaseId)?.handle.kill(o.action === 'stop' ? 'stop' : 'cancel');
        for (const id of res.lost) lose(id);
      } catch (err) {
        if (is404(err)) await reregister();
        else if (!failing) log(`heartbeat failed: ${(err as Error).message}`);
        failing = true;
      }
    }
  }

  // ---- start ----
  try {
    applyRegistration(await registerOnce());
  } catch (err) {
    zygote?.close();
    throw err;
  }
  bridge = await startEmbeddedBridge(bridgeClient, log);
  ctx.bridgePort = bridge?.port;
  // Warming up ran alongside registration; let the first leases have it, but never hang on it.
  if (zygote && !(await Promise.race([zygote.firstReady, sleep(10_000).then(() => false)]))) {
    log('python zygote not ready; Python jobs use plain spawn until it is');
  }
  outbox.start();
  const loops = Promise.all([leaseLoop(), heartbeatLoop()]);

  async function stop(graceMs = 30_000): Promise<void> {
    if (stopping) return;
    stopping = true;
    slotFreed.wake();
    // Services never end by themselves: hand them back at once. Batch jobs get the grace.
    for (const r of running.values()) if (r.handle.service()) r.handle.kill('shutdown');
    const deadline = Date.now() + graceMs;
    while (running.size && Date.now() < deadline) await sleep(50);
    if (running.size) log(`grace over: killing ${running.size} job(s); the control plane re-queues them`);
    for (const r of running.values()) r.handle.kill('shutdown');
    await Promise.race([Promise.all([...running.values()].map((r) => r.handle.done)), sleep(5000)]);
    await Promise.race([Promise.all([reporter.drained(), outbox.drained()]), sleep(10_000)]);
    if (outbox.pending) log(`${outbox.pending} log batch(es) left in ${path.join(workdir, 'outbox')}; sent on next start`);
    stopped = true;
    zygote?.close();
    heartbeatNow.wake();
    try {
      await client.deregister(agentId);
    } catch (err) {
      log(`deregister failed: ${(err as Error).message}`);
    }
    await bridge?.close().catch(() => {});
    await dispatcher.destroy().catch(() => {});
    await Promise.race([loops, sleep(1000)]);
  }

  return { id: agentId, name, bridgePort: bridge?.port ?? 0, stop };
}

// The agent as a composition of small parts: registration (register.ts), the lease loop
// (leaseLoop.ts), the heartbeat loop (heartbeatLoop.ts), the slots (jobTable.ts), one job's
// life (startJob.ts), result reporting (reporter.ts), log shipping (outbox.ts), the drain
// on stop (drain.ts) and the watchdog that takes the jobs down with the agent (watchdog.ts).
// This file only builds and wires them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent as Dispatcher } from 'undici';
import type { Lease } from '../../control-plane/src/contract/agents';
import { TitanHttpClient, BRIDGE_CLIENT, IDLE_SOCKET_MS, LOCAL_RECONNECT_MS } from '../../sdk/ts/client';
import { sleep } from './backoff';
import { detect, queryGpus, type Detected } from './capabilities';
import { GpuWatch } from './gpuWatch';
import { drainJobs } from './drain';
import { HeartbeatLoop, applyActions, heartbeatActions } from './heartbeatLoop';
import { watchIdle } from './idleExit';
import { JobTable } from './jobTable';
import { LeaseLoop } from './leaseLoop';
import { Outbox, resultFiles } from './outbox';
import { pidFiles, resolvePython } from './process';
import { Registration, defaultName, mergeCapabilities, registrationRequest, requeuedLeases } from './register';
import { ResultReporter } from './reporter';
import { SlotAsks, askingComplete } from './slotAsks';
import type { RunContext } from './runners/context';
import { jobStarter } from './startJob';
import { startWatchdog } from './watchdog';
import { zygoteForker } from './zygote/forkTree';
import { PythonZygote } from './zygote/pythonZygote';

export { defaultName } from './register';

/**
 * Starts a TITAN_PROTO bridge on a local port for this agent's jobs, talking to the control
 * plane through `client`. Supplied by whoever starts the agent, so the agent needs no bridge code.
 */
export type BridgeStarter = (client: TitanHttpClient) => Promise<{ host: string; port: number; close(): Promise<void> }>;

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
  /** Without it (or if it fails) jobs run without TITAN_HOST/TITAN_PORT. */
  startBridge?: BridgeStarter;
  /**
   * Offer no CPUs, memory or GPUs to reservations: only jobs that ask for none come here (an
   * ephemeral agent sharing its host with a supervisor, whose permanent agent owns the devices).
   */
  slotsOnly?: boolean;
  /** Retire (leave the cluster and stop) after this long with no job running or held. */
  idleExitMs?: number;
  /** How often GPUs are read again (gpuWatch.ts); TITAN_GPU_POLL_MS in the CLI. */
  gpuPollMs?: number;
}

/** Whether agents use the Python zygote unless told otherwise. */
export const PYTHON_ZYGOTE_DEFAULT = true;

export interface RunningAgent {
  id: string;
  name: string;
  bridgePort: number;
  stop(graceMs?: number): Promise<void>;
  /** Resolves once the agent retired on its own after `idleExitMs` idle (never otherwise). */
  retired: Promise<{ idleMs: number }>;
}

async function startJobBridge(start: BridgeStarter | undefined, client: TitanHttpClient, log: (line: string) => void) {
  if (!start) return null;
  try {
    return await start(client);
  } catch (err) {
    log(`warning: embedded bridge failed to start (${(err as Error).message}); jobs run without TITAN_HOST/TITAN_PORT`);
    return null;
  }
}

export async function startAgent(opts: AgentOptions): Promise<RunningAgent> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const slots = Math.max(1, opts.slots ?? 4);
  const name = opts.name ?? defaultName();
  const workdir = path.resolve(opts.workdir ?? path.join(os.tmpdir(), 'titan-agent', name));
  const detected = opts.detected ?? (await detect({ extra: opts.capabilities }));
  const capabilities = mergeCapabilities(detected.capabilities, opts.capabilities);

  // Our own dispatcher, so stop() can drop a long-poll in flight instead of waiting 25 s for it.
  const dispatcher = new Dispatcher({ connections: 32, keepAliveTimeout: IDLE_SOCKET_MS, headersTimeout: 0, bodyTimeout: 0 });
  const client = new TitanHttpClient({ url: opts.url, token: opts.token, dispatcher });
  // A job's SDK call through this bridge waits out a local runtime's restart rather than failing.
  const bridgeClient = new TitanHttpClient({ url: opts.url, token: opts.clientToken ?? opts.token, dispatcher, ...BRIDGE_CLIENT, reconnectMs: LOCAL_RECONNECT_MS });

  const table = new JobTable(slots);
  const registration = new Registration({
    client,
    request: registrationRequest({ name, capabilities, slots, ephemeral: opts.ephemeral ?? false, detected, slotsOnly: opts.slotsOnly }),
    heartbeatMs: opts.heartbeatMs,
    log,
    onRequeued: (jobIds) => requeuedLeases(jobIds, table.jobs().map((r) => r.lease)).forEach(lose),
  });
  const resultsDir = path.join(workdir, 'outbox', 'results');
  const outbox = new Outbox({ dir: path.join(workdir, 'outbox'), send: async (b) => void (await client.appendLogs(b.jobId, b.body)), log });
  const asks = new SlotAsks();
  let stopping = false;
  // Set once the lease loop runs (results left by a previous agent go out before it, asking for nothing).
  let leaseLoop: LeaseLoop | undefined;
  let startLease: ((l: Lease) => void) | undefined;
  const reporter = new ResultReporter({
    send: askingComplete({
      asks,
      free: () => table.free,
      asking: () => leaseLoop !== undefined && !stopping,
      complete: (results, max) => client.complete(registration.id, results, max, max ? table.heldLeases() : []),
      start: (l) => startLease!(l),
    }),
    afterSend: () => leaseLoop?.recheck(),
    onSettled: (leaseId) => table.release(leaseId),
    onAgentGone: () => void registration.reregister(),
    log,
  });
  function lose(leaseId: string): void {
    const job = table.get(leaseId);
    // A job whose process has ended keeps its result on the way: the control plane takes it as
    // late while nobody has leased the job again (core/leaseHolder) and refuses it otherwise.
    if (!job || job.handle.ended) return;
    job.handle.kill('lost');
    reporter.forget(leaseId);
    table.release(leaseId);
  }
  const linkUp = () => outbox.kick();
  // GPUs are read again while running where there are any, or nvidia-smi failed (it may recover).
  const gpuWatch = !opts.slotsOnly && (detected.gpus.length || detected.gpuError) ? new GpuWatch({ gpus: detected.gpus, gpuError: detected.gpuError }, () => queryGpus(), opts.gpuPollMs ?? (Number(process.env.TITAN_GPU_POLL_MS) || undefined)) : undefined;
  const heartbeat = new HeartbeatLoop({ client, registration, table, lose, linkUp, log, gpus: gpuWatch && (() => gpuWatch.report()) });

  fs.mkdirSync(workdir, { recursive: true });
  const python = resolvePython(workdir);
  const pidDir = path.join(workdir, 'pids');
  // Normally the watchdog of the previous agent on this workdir already killed these; not if it was killed too.
  const reaped = pidFiles.reap(pidDir);
  if (reaped.length) log(`killed ${reaped.length} job process group(s) left by a previous agent on ${workdir}`);
  const watchdog = startWatchdog(pidDir, log);
  // Started now, so it is warm by the time the first lease arrives; until then jobs are spawned.
  const baseEnv: NodeJS.ProcessEnv = { ...process.env };
  const zygote = (opts.pythonZygote ?? PYTHON_ZYGOTE_DEFAULT) ? new PythonZygote(python, log, baseEnv, { warm: Math.min(slots, 4), pidDir }) : undefined;

  try {
    await registration.register();
  } catch (err) {
    zygote?.close();
    watchdog.close();
    throw err;
  }
  const bridge = await startJobBridge(opts.startBridge, bridgeClient, log);
  const ctx: RunContext = {
    client,
    workdir,
    baseEnv,
    url: opts.url,
    bridgePort: bridge?.port,
    python,
    forker: zygote ? zygoteForker(zygote) : undefined,
    log,
    onServiceChange: () => heartbeat.now(),
  };
  // Warming up ran alongside registration; let the first leases have it, but never hang on it.
  if (zygote && !(await Promise.race([zygote.firstReady, sleep(10_000).then(() => false)]))) {
    log('python zygote not ready; Python jobs use plain spawn until it is');
  }
  outbox.start();
  // Results a previous agent on this workdir could not deliver: after their logs, as always, and
  // before asking for work, which could otherwise be the very job re-queued when we registered.
  const saved = resultFiles.take(resultsDir);
  if (saved.length) {
    log(`${saved.length} result(s) left by a previous agent on ${workdir}; sending`);
    const deliver = async () => {
      await outbox.drained();
      saved.forEach((r) => reporter.add(r));
      await reporter.drained();
    };
    await Promise.race([deliver(), sleep(5000)]);
  }
  const orders = (o: Parameters<typeof heartbeatActions>[0]['orders']) => applyActions(heartbeatActions({ orders: o, lost: [] }, (id) => table.has(id)), table, lose);
  // Idle retirement (idleExitMs): stop() stops the lease loop first, synchronously, so no lease is
  // started once retirement has begun; one already on its way is re-queued when we deregister, and
  // results still riding a lease poll are taken back and delivered first.
  let retiredWith: (r: { idleMs: number }) => void = () => {};
  const retired = new Promise<{ idleMs: number }>((resolve) => (retiredWith = resolve));
  const idle = opts.idleExitMs
    ? watchIdle({
        idleExitMs: opts.idleExitMs,
        busy: () => ({ running: table.size, unsent: reporter.size }),
        retire: (idleMs) => {
          if (stopping) return;
          log(`idle for ${Math.round(idleMs / 1000)} s: retiring`);
          void stop().then(() => retiredWith({ idleMs }));
        },
      })
    : undefined;
  const start = jobStarter({ table, ctx, outbox, reporter });
  startLease = idle ? idle.tracked(start) : start;
  const leases = (leaseLoop = new LeaseLoop({ client, registration, table, reporter, asks, start: startLease, orders, linkUp, log }));
  const loops = Promise.all([leases.run(), heartbeat.run()]);
  gpuWatch?.start();

  async function stop(graceMs = 30_000): Promise<void> {
    if (stopping) return;
    stopping = true;
    const deadline = Date.now() + graceMs;
    // Its results in flight go back to the reporter. Bounded: it may be busy re-registering.
    await Promise.race([leases.stop(), sleep(1000)]);
    await drainJobs(table, graceMs, log);
    // Logs, then results, of what ran go out before we say goodbye, while the heartbeat keeps their
    // leases alive: within what is left of the grace, and at least a moment. Never longer: what is
    // not delivered by then waits on disk for the next agent on this workdir.
    const settle = async () => {
      await outbox.drained();
      await new Promise((r) => setImmediate(r)); // jobs whose logs just went out hand in their results
      await reporter.drained();
    };
    await Promise.race([settle(), sleep(Math.max(1000, deadline - Date.now()))]);
    const logsLeft = outbox.close();
    await new Promise((r) => setImmediate(r));
    const unsent = reporter.close();
    heartbeat.stop();
    gpuWatch?.stop();
    idle?.stop();
    zygote?.close();
    watchdog.close(); // anything that survived the drain dies now
    try {
      resultFiles.save(resultsDir, unsent);
    } catch (err) {
      log(`could not keep ${unsent.length} result(s) on disk: ${(err as Error).message}`);
    }
    if (logsLeft || unsent.length) log(`${logsLeft} log batch(es) and ${unsent.length} result(s) left in ${path.join(workdir, 'outbox')}; sent on next start`);
    // Unsent results: saying goodbye would re-queue their jobs, which the next start may still complete.
    if (!unsent.length) {
      await Promise.race([client.deregister(registration.id).catch((err: Error) => log(`deregister failed: ${err.message}`)), sleep(1000)]);
    }
    await Promise.race([bridge?.close().catch(() => {}), sleep(500)]);
    await bridgeClient.close().catch(() => {}); // its store sockets (the dispatcher is shared: destroyed next)
    await dispatcher.destroy().catch(() => {});
    await Promise.race([loops, sleep(500)]);
  }

  return { id: registration.id, name, bridgePort: bridge?.port ?? 0, stop, retired };
}

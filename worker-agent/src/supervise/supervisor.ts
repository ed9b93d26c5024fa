// The supervisor's shell: polls GET /v1/demand, asks plan.ts how many ephemeral agents to start,
// spawns them as child processes and relays their output. Children retire on their own when
// idle; on stop they get SIGTERM (and drain), and they stop by themselves if we die (stdin ends).
import { spawn, type ChildProcess } from 'node:child_process';
import type { TitanHttpClient } from '../../../sdk/ts/client';
import { sleep, Waker } from '../backoff';
import { LineSplitter } from '../lines';
import { childArgs, childEnv, childName } from './child';
import { freeChildNumbers, scalePlan } from './plan';

/** How often the demand route is asked. */
export const DEMAND_POLL_MS = 2000;

/** A child that has not said it is ready by then no longer holds back scaling. */
const START_TIMEOUT_MS = 30_000;
const READY = /^agent \S+ ready\b/;

export interface SupervisorOptions {
  /** A client with the agent token (the demand route is open to it). */
  client: TitanHttpClient;
  /** The program that runs `titan`, e.g. [node, bin/titan.mjs]. */
  program: readonly string[];
  parentName: string;
  url: string;
  agentToken: string;
  clientToken?: string;
  hostCapabilities: readonly string[];
  childSlots: number;
  maxEphemeral: number;
  idleExitMs: number;
  scaleAfterMs: number;
  pollMs?: number;
  /** Flags every child gets as well (capabilities, grace, python zygote, …). */
  passThrough?: readonly string[];
  workdir?: string;
  /** How long stop() waits for children to drain before killing them. */
  stopWaitMs: number;
  log: (line: string) => void;
}

interface Child {
  k: number;
  name: string;
  proc: ChildProcess;
  spawnedAt: number;
  ready: boolean;
  exited: Promise<void>;
}

export interface Supervisor {
  /** Names of the children alive now. */
  children(): string[];
  stop(): Promise<void>;
}

export function startSupervisor(opts: SupervisorOptions): Supervisor {
  const pollMs = opts.pollMs ?? DEMAND_POLL_MS;
  const children = new Map<number, Child>();
  const wake = new Waker();
  let stopping = false;
  let backloggedSinceMs: number | null = null;
  let lastReadyAtMs = 0;
  let demandFailures = 0;

  function relay(child: Child, stream: NodeJS.ReadableStream | null): void {
    if (!stream) return;
    const lines = new LineSplitter();
    const out = (l: string) => {
      if (!child.ready && READY.test(l)) {
        child.ready = true;
        lastReadyAtMs = Date.now();
      }
      opts.log(`[${child.name}] ${l}`);
    };
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => lines.push(chunk).forEach(out));
    stream.on('end', () => lines.end().forEach(out));
  }

  function spawnChild(k: number): void {
    const name = childName(opts.parentName, k);
    const args = childArgs({ parentName: opts.parentName, k, url: opts.url, slots: opts.childSlots, idleExitMs: opts.idleExitMs, passThrough: opts.passThrough, workdir: opts.workdir });
    const proc = spawn(opts.program[0]!, [...opts.program.slice(1), ...args], {
      env: childEnv(process.env, opts.agentToken, opts.clientToken),
      // stdin stays open and unused: when we die it ends, and the child stops (--exit-with-stdin).
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exited = new Promise<void>((resolve) => {
      proc.on('error', (err) => {
        opts.log(`supervisor: could not start ${name}: ${err.message}`);
        resolve();
      });
      proc.on('exit', (code, signal) => {
        children.delete(k);
        const how = signal ? `signal ${signal}` : `code ${code}`;
        opts.log(`supervisor: ephemeral agent ${name} exited (${how}); ${children.size}/${opts.maxEphemeral} running`);
        resolve();
      });
    });
    proc.stdin?.on('error', () => {}); // a child gone first must not take us down with EPIPE
    const child: Child = { k, name, proc, spawnedAt: Date.now(), ready: false, exited };
    children.set(k, child);
    relay(child, proc.stdout);
    relay(child, proc.stderr);
    opts.log(`supervisor: started ${name} (pid ${proc.pid ?? '?'})`);
  }

  async function look(): Promise<void> {
    let demand;
    try {
      demand = await opts.client.call('demand', {});
      demandFailures = 0;
    } catch (err) {
      // Unknown backlog: keep the mark, start nothing; say so once per streak.
      if (demandFailures++ === 0) opts.log(`supervisor: demand unavailable (${(err as Error).message}); retrying`);
      return;
    }
    if (stopping) return;
    const now = Date.now();
    const live = [...children.values()];
    const plan = scalePlan({
      demand,
      hostCapabilities: opts.hostCapabilities,
      childSlots: opts.childSlots,
      maxEphemeral: opts.maxEphemeral,
      children: live.length,
      starting: live.filter((c) => !c.ready && now - c.spawnedAt < START_TIMEOUT_MS).length,
      backloggedSinceMs,
      lastReadyAtMs,
      now,
      scaleAfterMs: opts.scaleAfterMs,
    });
    backloggedSinceMs = plan.backloggedSinceMs;
    if (plan.start <= 0) return;
    const waited = Math.round((now - (plan.backloggedSinceMs ?? now)) / 1000);
    const total = live.length + plan.start;
    opts.log(`supervisor: backlog ${plan.backlog} jobs (${plan.requirements.join(',')}) for ${waited} s; starting ${plan.start} ephemeral agent(s) (${total}/${opts.maxEphemeral})`);
    for (const k of freeChildNumbers(new Set(children.keys()), plan.start)) spawnChild(k);
  }

  const loop = (async () => {
    while (!stopping) {
      await look();
      await wake.sleep(pollMs);
    }
  })();

  return {
    children: () => [...children.values()].map((c) => c.name),
    async stop() {
      if (stopping) return;
      stopping = true;
      wake.wake();
      await Promise.race([loop, sleep(pollMs + 1000)]);
      const live = [...children.values()];
      for (const c of live) c.proc.kill('SIGTERM');
      const all = Promise.all(live.map((c) => c.exited));
      if (await Promise.race([all.then(() => true), sleep(opts.stopWaitMs).then(() => false)])) return;
      for (const c of children.values()) {
        opts.log(`supervisor: ${c.name} still running after ${Math.round(opts.stopWaitMs / 1000)} s; killing it`);
        c.proc.kill('SIGKILL');
      }
      await Promise.race([all, sleep(2000)]);
    },
  };
}

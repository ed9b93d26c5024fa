import { afterEach } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TitanHttpClient } from '../../sdk/ts/client';
import { startBridge } from '../../tcp-bridge/src/server';
import type { BridgeStarter } from '../../worker-agent/src/agent';
import type { JobSpecInput, JobView } from '../../control-plane/src/contract/jobs';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const LOCAL_CP = path.join(ROOT, 'cli/local/controlPlane.ts');
export const hasLocalControlPlane = fs.existsSync(LOCAL_CP) && fs.existsSync(path.join(ROOT, 'control-plane/src/worker.ts'));

export interface Cluster {
  url: string;
  clientToken: string;
  agentToken: string;
  stateDir: string;
  client: TitanHttpClient;
  stop(): Promise<void>;
}

export const tmpdir = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), `titan-${prefix}-`));

export async function startCluster(vars: Record<string, string> = {}, stateDir = tmpdir('cp'), port = 0): Promise<Cluster> {
  const { startLocalControlPlane } = (await import(LOCAL_CP)) as typeof import('../../cli/local/controlPlane');
  const cp = await startLocalControlPlane({ stateDir, port, vars });
  const client = new TitanHttpClient({ url: cp.url, token: cp.clientToken });
  return {
    ...cp,
    stateDir,
    client,
    stop: async () => {
      await client.close();
      await cp.stop();
    },
  };
}

/** The bridge an agent embeds for its jobs, as the CLI injects it. */
export const embeddedBridge: BridgeStarter = (client) => startBridge({ client, host: '127.0.0.1', port: 0 });

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

const ENDED = ['COMPLETED', 'DEAD', 'CANCELLED'];
export const waitEnded = (c: TitanHttpClient, id: string, timeoutMs = 20_000): Promise<JobView> =>
  waitFor(`job ${id} to end`, async () => {
    const j = (await c.getJob(id)).job;
    return ENDED.includes(j.state) ? j : undefined;
  }, timeoutMs);

export const py = (code: string, extra: Partial<JobSpecInput> = {}): JobSpecInput =>
  ({ file: 'job.py', payloadB64: Buffer.from(code).toString('base64'), ...extra }) as JobSpecInput;

export async function logText(c: TitanHttpClient, id: string): Promise<string> {
  return (await c.getLogs(id, { limit: 5000 })).lines.map((l) => `[${l.stream}] ${l.text}`).join('\n');
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers kill(0); it is gone for our purposes.
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** A real `titan agent` process: one node process (tsx registers in-process), so SIGKILL hits the agent itself. */
export function spawnAgentProcess(args: string[], env: NodeJS.ProcessEnv = process.env): { proc: ChildProcess; output: () => string; ready: Promise<void> } {
  let out = '';
  const proc = spawn(process.execPath, [path.join(ROOT, 'bin/titan.mjs'), 'agent', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (c: Buffer) => {
      out += c.toString();
      if (/agent \S+ ready/.test(out)) resolve();
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.on('exit', (code) => reject(new Error(`agent exited early (${code}):\n${out}`)));
  });
  return { proc, output: () => out, ready };
}

/** Cleanups registered during a test, run after it in reverse order (what is already gone is skipped). */
export function cleanupsAfterEach(): Array<() => Promise<unknown> | unknown> {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch {
        /* already gone */
      }
    }
  });
  return cleanups;
}

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Log, LogLevel, Miniflare } from 'miniflare';
import { TitanHttpClient } from '../../sdk/ts/client';
import { startLocalControlPlane, type LocalControlPlane } from '../../cli/local/controlPlane';

export interface TestPlane extends LocalControlPlane {
  stateDir: string;
  client: TitanHttpClient;
  agent: TitanHttpClient;
  /** Stop and start again on the same state dir and port, as a crash-restart would, after `downMs` of outage. */
  restart(downMs?: number): Promise<void>;
  dispose(): Promise<void>;
}

/** A real control plane in workerd with its own temp state dir, plus clients for both token kinds. */
export async function startTestPlane(vars: Record<string, string> = {}): Promise<TestPlane> {
  const stateDir = mkdtempSync(join(tmpdir(), 'titan-cp-'));
  let cp = await startLocalControlPlane({ stateDir, port: 0, vars });
  const port = Number(new URL(cp.url).port);
  const plane: TestPlane = {
    ...cp,
    stateDir,
    client: new TitanHttpClient({ url: cp.url, token: cp.clientToken }),
    agent: new TitanHttpClient({ url: cp.url, token: cp.agentToken }),
    stop: () => cp.stop(),
    async restart(downMs = 0) {
      await cp.stop();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      cp = await startLocalControlPlane({ stateDir, port, vars });
    },
    async dispose() {
      await Promise.allSettled([plane.client.close(), plane.agent.close()]);
      await cp.stop().catch(() => {});
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
  return plane;
}

export const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

export async function waitFor<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, stepMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** The SQLite files of the store shards under a state dir (one per shard used; its WAL is the path plus `-wal`). */
export function storeShardFiles(stateDir: string): string[] {
  const dir = join(stateDir, 'do', 'titan-StoreDO');
  return readdirSync(dir)
    .filter((f) => /^[0-9a-f]{64}\.sqlite$/.test(f))
    .map((f) => join(dir, f));
}

/**
 * Runs `script`, a Worker of the control plane's name with Durable Object classes of ours' names
 * (CLUSTER: ClusterDO, LOGS: LogDO), on a stopped control plane's state dir: a test writes there
 * what an older version left, or reads what is stored, without our code. `call` POSTs `body` (as
 * JSON) or GETs `path` on it and returns the JSON answer.
 */
export async function rawStateWorker<T>(stateDir: string, script: string, act: (call: (path: string, body?: unknown) => Promise<any>) => Promise<T>): Promise<T> {
  const mf = new Miniflare({
    name: 'titan',
    modules: true,
    script,
    compatibilityDate: '2026-04-20',
    durableObjects: { CLUSTER: { className: 'ClusterDO', useSQLite: true }, LOGS: { className: 'LogDO', useSQLite: true } },
    r2Buckets: ['ARTIFACTS'],
    durableObjectsPersist: join(stateDir, 'do'),
    r2Persist: join(stateDir, 'r2'),
    cf: false,
    log: new Log(LogLevel.NONE),
  });
  try {
    const url = await mf.ready;
    return await act(async (path, body) => {
      const res = await fetch(new URL(path, url), body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json();
    });
  } finally {
    await mf.dispose();
  }
}

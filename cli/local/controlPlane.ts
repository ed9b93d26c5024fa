import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { TitanHttpClient } from '../../sdk/ts/client';
import { dashboardAssets } from './dashboardAssets';
import { IdleRecycler, jobsInFlight } from './idleRecycler';
import { recyclePolicyFrom, type RecyclePolicy } from './idleRecycle';
import { guardWorkerd, killLeftoverWorkerd, workerdChildren } from './workerdProcess';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUNDLE = join(ROOT, 'dist', 'worker', 'worker.js');
/** How long a stop waits on Miniflare to end workerd (normally a few ms) before killing it itself. */
const DISPOSE_WAIT_MS = 5_000;

export interface LocalControlPlaneOptions {
  /** Where Durable Object, R2 and token state persist; a restart on the same dir resumes. */
  stateDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  clientToken?: string;
  agentToken?: string;
  /** Extra Worker vars (LEASE_TTL_MS, HEARTBEAT_MS, RETRY_BASE_MS, …). */
  vars?: Record<string, string>;
  /** When to restart the runtime to give memory back (local/idleRecycle.ts); default from TITAN_IDLE_RECYCLE_*. */
  recycle?: RecyclePolicy;
  log?: (line: string) => void;
}

export interface LocalControlPlane {
  url: string;
  clientToken: string;
  agentToken: string;
  stop(): Promise<void>;
  /** workerd killed now, without waiting on anything (a stop that hangs); its pid file goes too. */
  kill(): void;
}

/** Newest mtime under the Worker's sources, to know when the bundle is stale. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Build the Worker bundle (as `wrangler deploy` would) when missing or older than its sources. An
 * installed package has no sources, only the bundle it was packed with.
 */
export function ensureBundle(): string {
  if (!existsSync(join(ROOT, 'control-plane', 'src'))) {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: this copy of titan was packed without \`npm run build\``);
    return BUNDLE;
  }
  const stale = !existsSync(BUNDLE) || statSync(BUNDLE).mtimeMs < Math.max(newestSource(join(ROOT, 'control-plane', 'src')), statSync(join(ROOT, 'wrangler.toml')).mtimeMs);
  if (stale) execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  return BUNDLE;
}

function compatibility(toml: string): { date: string; flags: string[] } {
  const date = /compatibility_date\s*=\s*"([^"]+)"/.exec(toml)?.[1] ?? '2026-04-20';
  const flags = /compatibility_flags\s*=\s*\[([^\]]*)\]/.exec(toml)?.[1].match(/"([^"]+)"/g)?.map((s) => s.slice(1, -1)) ?? [];
  return { date, flags };
}

/** The state dir holds tokens and data: only its owner may enter it, however it was created. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** Tokens are generated on first start and kept in the state dir (mode 0600, tightened if it was looser). */
export function loadOrCreateTokens(stateDir: string): { clientToken: string; agentToken: string } {
  const file = join(stateDir, 'tokens.json');
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    return JSON.parse(readFileSync(file, 'utf8'));
  }
  const tokens = { clientToken: 'tc_' + randomBytes(24).toString('base64url'), agentToken: 'ta_' + randomBytes(24).toString('base64url') };
  ensurePrivateDir(stateDir);
  writeFileSync(file, JSON.stringify(tokens, null, 2), { mode: 0o600 });
  return tokens;
}

/**
 * Miniflare (and workerd, a native binary of ~100 MB) is not a dependency of the installed package,
 * which serves agents and clients; only `titan up` and the tests need it. In a clone it is a dev
 * dependency; beside a global install, `npm install -g miniflare@<version>` makes `titan up` work.
 */
async function loadMiniflare(): Promise<typeof import('miniflare')> {
  try {
    return await import('miniflare');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw e;
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { peerDependencies?: Record<string, string> };
    const version = pkg.peerDependencies?.miniflare ?? 'latest';
    throw new Error(`a local control plane runs in workerd through the miniflare package, which this install of titan leaves out: add it with \`npm install -g miniflare@${version}\`, or run titan from a clone of the repository`);
  }
}

/**
 * WAL pages each store shard writes when it starts (WAL_RESERVE_PAGES, control-plane/src/lib/walReserve.ts):
 * past SQLite's 1,000-page checkpoint with a margin, ~4.5 MB.
 */
export const LOCAL_WAL_RESERVE_PAGES = 1_100;

/**
 * The control plane in workerd, embedded through Miniflare: the same bundle that deploys, with
 * Durable Objects (SQLite) and R2 persisted under `stateDir`.
 */
export async function startLocalControlPlane(opts: LocalControlPlaneOptions): Promise<LocalControlPlane> {
  const stateDir = resolve(opts.stateDir);
  ensurePrivateDir(stateDir);
  await killLeftoverWorkerd(stateDir);
  const stored = loadOrCreateTokens(stateDir);
  const clientToken = opts.clientToken ?? stored.clientToken;
  const agentToken = opts.agentToken ?? stored.agentToken;
  // Read once: the compatibility settings and the dashboard's [assets] table both come from it.
  const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
  const compat = compatibility(toml);
  // Two workers: the control plane takes every request first, as it would with `run_worker_first`,
  // and hands the dashboard's files to an assets-only worker through the ASSETS binding. Miniflare's
  // own asset routing would put two extra hops in front of every API call (measured: store reads at
  // less than half their rate); on Cloudflare that routing costs nothing, so it is kept for deploys.
  const { Log, LogLevel, Miniflare } = await loadMiniflare();
  const before = workerdChildren();
  // A function of the API port: a recycle (below) starts the runtime again on the port it had.
  const options = (port: number): ConstructorParameters<typeof Miniflare>[0] => ({
    workers: [
      {
        name: 'titan',
        scriptPath: ensureBundle(),
        modules: true,
        modulesRoot: dirname(BUNDLE),
        compatibilityDate: compat.date,
        compatibilityFlags: compat.flags,
        durableObjects: {
          CLUSTER: { className: 'ClusterDO', useSQLite: true },
          // Store shards stay resident while the runtime runs: workerd would otherwise evict an idle one
          // after ~10 s, closing its SQLite file (the WAL is deleted on close), so the next call pays
          // the object's start and its next ~500 puts each an fsync that also grows the WAL (measured:
          // a put 0.45-0.49 ms growing vs 0.31-0.34 ms once the WAL has wrapped). Sixteen small
          // objects; the idle recycler still gives memory back by restarting the runtime.
          STORE: { className: 'StoreDO', useSQLite: true, unsafePreventEviction: true },
          LOGS: { className: 'LogDO', useSQLite: true },
        },
        r2Buckets: ['ARTIFACTS'],
        // WAL_RESERVE_PAGES: each store shard starts with a grown WAL (control-plane/src/lib/walReserve.ts).
        bindings: { STORE_SHARDS: '16', WAL_RESERVE_PAGES: String(LOCAL_WAL_RESERVE_PAGES), ...opts.vars, CLIENT_TOKEN: clientToken, AGENT_TOKEN: agentToken },
        serviceBindings: { ASSETS: 'titan-dashboard' },
        // Clients reach this worker on its own socket, not through Miniflare's entry worker: that
        // one is a second JavaScript hop on every request (cf blob, header rewrites, request log)
        // that a deployed Worker does not have. Measured: /v1/health 0.22 -> 0.10 ms, a store
        // read 0.33 -> 0.23 ms. The entry socket stays on a private port; nothing of ours uses it.
        unsafeDirectSockets: [{ host: opts.host ?? '127.0.0.1', port }],
      },
      {
        name: 'titan-dashboard',
        modules: true,
        script: 'export default { fetch: () => new Response(null, { status: 404 }) };',
        compatibilityDate: compat.date,
        assets: dashboardAssets(ROOT, toml),
      },
    ],
    durableObjectsPersist: join(stateDir, 'do'),
    r2Persist: join(stateDir, 'r2'),
    host: '127.0.0.1',
    port: 0,
    cf: false,
    log: new Log(LogLevel.WARN),
  });
  const mf = new Miniflare(options(opts.port ?? 0));
  await mf.ready;
  const direct = await mf.unsafeGetDirectURL('titan');
  const url = direct.toString().replace(/\/$/, '');
  let guard = guardWorkerd(stateDir, before);
  const statsClient = new TitanHttpClient({ url, token: clientToken, timeoutMs: 5_000 });
  const recycler = new IdleRecycler({
    policy: opts.recycle ?? recyclePolicyFrom(process.env),
    pid: () => guard.mark?.pid ?? null,
    busy: () => jobsInFlight(statsClient),
    restart: async () => {
      const old = workerdChildren();
      guard.unguard();
      // Should the port be taken in the instant it was free, try again: the runtime must come back.
      for (let attempt = 1; ; attempt++) {
        try {
          await mf.setOptions(options(Number(direct.port)));
          break;
        } catch (err) {
          if (attempt >= 5) throw err;
          await new Promise((r) => setTimeout(r, 1_000));
        }
      }
      guard = guardWorkerd(stateDir, old);
    },
    log: opts.log,
  });
  const kill = () => {
    const pid = guard.mark?.pid;
    try {
      if (pid) process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    guard.unguard();
  };
  return {
    url,
    clientToken,
    agentToken,
    async stop() {
      await recycler.stop();
      await statsClient.close();
      // Miniflare's dispose kills workerd and waits for it; should that wait hang, kill it ourselves.
      const disposed = mf.dispose().then(() => true);
      const late = new Promise<false>((r) => setTimeout(() => r(false), DISPOSE_WAIT_MS).unref());
      if (await Promise.race([disposed, late])) return guard.unguard();
      opts.log?.(`the local runtime did not stop within ${DISPOSE_WAIT_MS / 1000} s: killed`);
      kill(); // unguards too
    },
    kill,
  };
}

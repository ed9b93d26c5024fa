import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TitanHttpClient } from '../../sdk/ts/client';
import { startBridge } from './server';

export interface BridgeCliConfig {
  url: string;
  token: string;
  host: string;
  port: number;
  manifestPort: number | null;
}

const USAGE = 'usage: titan bridge --url URL --token TOKEN [--host 127.0.0.1] [--port 9090] [--manifest-port 5000]';

/**
 * Flags > environment (TITAN_URL, TITAN_TOKEN, TITAN_BRIDGE_PORT) > `.titan/cluster.json`
 * in `cwd` (written by `titan up`). Pure apart from reading that file; throws with a usage hint.
 */
export function resolveBridgeConfig(argv: string[], env: NodeJS.ProcessEnv, cwd: string): BridgeCliConfig {
  const flags: Record<string, string | undefined> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') throw new Error(USAGE);
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unexpected argument '${arg}'\n${USAGE}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${m[1]} needs a value\n${USAGE}`);
    flags[m[1]!] = value;
  }
  const known = new Set(['url', 'token', 'host', 'port', 'manifest-port']);
  for (const k of Object.keys(flags)) if (!known.has(k)) throw new Error(`unknown option --${k}\n${USAGE}`);

  let url: string | undefined = flags.url ?? env.TITAN_URL;
  let token: string | undefined = flags.token ?? env.TITAN_TOKEN;
  if (!url || !token) {
    // Only read the cluster file when something is missing: flags and env win.
    const file = path.join(cwd, '.titan', 'cluster.json');
    let cluster: { url?: string; clientToken?: string } = {};
    try {
      cluster = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      throw new Error(`no control plane given: pass --url and --token, set TITAN_URL/TITAN_TOKEN, or run \`titan up\` here (${file})\n${USAGE}`);
    }
    url ??= cluster.url;
    token ??= cluster.clientToken;
  }
  if (!url || !token) throw new Error(`no url or client token found (flags, TITAN_URL/TITAN_TOKEN, .titan/cluster.json)\n${USAGE}`);

  const num = (v: string | undefined, name: string, fallback: number) => {
    if (v === undefined || v === '') return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, got '${v}'`);
    return n;
  };
  const manifest = flags['manifest-port'];
  return {
    url,
    token,
    host: flags.host ?? '127.0.0.1',
    port: num(flags.port ?? env.TITAN_BRIDGE_PORT, 'port', 9090),
    manifestPort: manifest === undefined ? null : num(manifest, 'manifest-port', 5000),
  };
}

/** `titan bridge …`: runs until SIGINT/SIGTERM. */
export async function runBridgeCli(argv: string[]): Promise<void> {
  const cfg = resolveBridgeConfig(argv, process.env, process.cwd());
  // 7 s per control-plane call keeps every reply inside the SDK's 10 s socket timeout.
  const client = new TitanHttpClient({ url: cfg.url, token: cfg.token, timeoutMs: 7_000, transferTimeoutMs: 8_500 });
  const bridge = await startBridge({
    client,
    host: cfg.host,
    port: cfg.port,
    manifestPort: cfg.manifestPort,
    log: (msg) => console.error(msg),
  });
  console.log(`bridge listening on ${bridge.host}:${bridge.port} -> ${client.url}`);

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await bridge.close();
  // undici's close waits for requests still in flight (uploads may run long): give it a moment, not forever.
  await Promise.race([client.close(), new Promise((r) => setTimeout(r, 1_000).unref())]);
}

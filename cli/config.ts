/**
 * The one place that decides where a command points and how it is tuned: flags, then the
 * environment, then `<state>/cluster.json` written by `titan up`. Pure: the caller hands in the
 * parsed flags, the environment and a file reader.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { parseTags } from '../worker-agent/src/capabilities';
import { checkNumber, UsageError, type Flags } from './args';

/** What `titan up` writes to `<state>/cluster.json` (mode 0600) for every other tool to find. */
export interface ClusterFile {
  url: string;
  clientToken: string;
  agentToken: string;
  bridge: { host: string; port: number };
  dashboard: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

export interface Sources {
  flags: Flags;
  env: Env;
  cwd: string;
  /** The file's text, or null when it does not exist. */
  readFile: (path: string) => string | null;
}

export const DEFAULTS = { state: '.titan', host: '127.0.0.1', httpPort: 8787, bridgePort: 9090, manifestPort: 5000, agents: 1, slots: 4, graceSeconds: 30 } as const;

const PORT = { integer: true, min: 0, max: 65535 };

const str = (f: Flags, k: string): string | undefined => (typeof f[k] === 'string' ? (f[k] as string) : undefined);
const num = (f: Flags, k: string): number | undefined => (typeof f[k] === 'number' ? (f[k] as number) : undefined);
const envText = (env: Env, k: string): string | undefined => (env[k] === '' ? undefined : env[k]);

/** `--state DIR` > `TITAN_STATE=DIR` > `.titan`, absolute. */
export function stateDir(s: Pick<Sources, 'flags' | 'env' | 'cwd'>): string {
  const dir = str(s.flags, 'state') ?? envText(s.env, 'TITAN_STATE') ?? DEFAULTS.state;
  return isAbsolute(dir) ? dir : resolve(s.cwd, dir);
}

export function clusterFilePath(s: Pick<Sources, 'flags' | 'env' | 'cwd'>): string {
  return join(stateDir(s), 'cluster.json');
}

/** The cluster file's fields, or an empty object when there is none. */
export function readClusterFile(s: Sources): Partial<ClusterFile> {
  const path = clusterFilePath(s);
  const text = s.readFile(path);
  if (text === null) return {};
  try {
    return JSON.parse(text) as Partial<ClusterFile>;
  } catch {
    throw new UsageError(`${path} is not valid JSON (remove it, or run \`titan up\` again)`);
  }
}

/** The cluster file, read only when a flag and the environment leave something unsaid. */
function lazyFile(s: Sources): () => Partial<ClusterFile> {
  let cached: Partial<ClusterFile> | undefined;
  return () => (cached ??= readClusterFile(s));
}

const NO_PLANE = (tokenEnv: string) =>
  `no control plane given: pass --url and --token, set TITAN_URL and ${tokenEnv}, or run \`titan up\` here first (or point TITAN_STATE at its state dir)`;

/**
 * `--token T` or `--token-file FILE` (the first line of FILE): a token given on the command line
 * is visible to every user in `ps`, one in a file or the environment is not.
 */
function flaggedToken(s: Sources): string | undefined {
  const token = str(s.flags, 'token');
  const path = str(s.flags, 'token-file');
  if (path === undefined) return token;
  if (token !== undefined) throw new UsageError('--token and --token-file contradict each other');
  return firstLine(s, path, '--token-file');
}

/** A token file's first line, trimmed; a missing or empty file is a usage error naming `flag`. */
function firstLine(s: Sources, path: string, flag: string): string {
  const full = isAbsolute(path) ? path : resolve(s.cwd, path);
  const text = s.readFile(full);
  if (text === null) throw new UsageError(`${flag}: no such file ${full}`);
  const first = text.split(/\r?\n/)[0]!.trim();
  if (first === '') throw new UsageError(`${flag}: ${full} is empty (the token is its first line)`);
  return first;
}

/** Where user commands (submit, status, store, …) and the bridge connect, with the client token. */
export function clientConfig(s: Sources): { url: string; token: string } {
  const file = lazyFile(s);
  const url = str(s.flags, 'url') ?? envText(s.env, 'TITAN_URL') ?? file().url;
  const token = flaggedToken(s) ?? envText(s.env, 'TITAN_TOKEN') ?? file().clientToken;
  if (!url || !token) throw new UsageError(NO_PLANE('TITAN_TOKEN'));
  return { url, token };
}

export interface AgentConfig {
  url: string;
  /** The agent token. */
  token: string;
  /** For the agent's embedded bridge; the agent token is used when absent. */
  clientToken?: string;
  capabilities: string[];
  slots: number;
  ephemeral: boolean;
  name?: string;
  workdir?: string;
  graceMs: number;
  highMemGiB?: number;
  /** Unset: the agent's default. */
  pythonZygote?: boolean;
  /** Offer slots only (no CPUs, memory or GPUs to reservations). */
  slotsOnly: boolean;
  /** This agent retires after this long idle (ephemeral agents only); unset: never. */
  idleExitMs?: number;
  /** Stop, draining, when stdin ends (a supervisor's children). */
  exitWithStdin: boolean;
  /** `--supervise`: start ephemeral agents on this host while its queue stays backed up. */
  supervise: { maxEphemeral: number; idleExitMs: number; scaleAfterMs: number } | null;
}

/** Defaults of a supervisor (`titan agent --supervise`). */
export const SUPERVISE_DEFAULTS = { maxEphemeral: 2, idleExitSeconds: 60, scaleAfterSeconds: 5 } as const;

/** `titan agent`: the agent token comes from --token/--token-file, TITAN_AGENT_TOKEN or the file's agentToken. */
export function agentConfig(s: Sources): AgentConfig {
  const file = lazyFile(s);
  const url = str(s.flags, 'url') ?? envText(s.env, 'TITAN_URL') ?? file().url;
  const token = flaggedToken(s) ?? envText(s.env, 'TITAN_AGENT_TOKEN') ?? file().agentToken;
  if (!url || !token) throw new UsageError(NO_PLANE('TITAN_AGENT_TOKEN'));
  const zygote = str(s.flags, 'python-zygote');
  return {
    url,
    token,
    clientToken: str(s.flags, 'client-token') ?? envText(s.env, 'TITAN_TOKEN') ?? file().clientToken,
    capabilities: tags(s.flags),
    slots: num(s.flags, 'slots') ?? DEFAULTS.slots,
    ephemeral: s.flags.ephemeral === true,
    name: str(s.flags, 'name'),
    workdir: str(s.flags, 'workdir'),
    graceMs: (num(s.flags, 'grace') ?? DEFAULTS.graceSeconds) * 1000,
    highMemGiB: num(s.flags, 'high-mem-gib'),
    pythonZygote: zygote === undefined ? undefined : zygote === 'on',
    ...elastic(s.flags),
  };
}

/** The elastic-agent flags, checked: only a supervisor scales, only an ephemeral agent retires. */
function elastic(f: Flags): Pick<AgentConfig, 'slotsOnly' | 'idleExitMs' | 'exitWithStdin' | 'supervise'> {
  const idleExit = num(f, 'idle-exit');
  const base = { slotsOnly: f['slots-only'] === true, exitWithStdin: f['exit-with-stdin'] === true };
  if (f.supervise === true) {
    if (f.ephemeral === true) throw new UsageError('--supervise and --ephemeral contradict each other (a supervisor is a permanent agent; the agents it starts are ephemeral)');
    const supervise = {
      maxEphemeral: num(f, 'max-ephemeral') ?? SUPERVISE_DEFAULTS.maxEphemeral,
      idleExitMs: (idleExit ?? SUPERVISE_DEFAULTS.idleExitSeconds) * 1000,
      scaleAfterMs: (num(f, 'scale-after') ?? SUPERVISE_DEFAULTS.scaleAfterSeconds) * 1000,
    };
    return { ...base, supervise };
  }
  for (const flag of ['max-ephemeral', 'scale-after']) {
    if (f[flag] !== undefined) throw new UsageError(`--${flag} needs --supervise`);
  }
  if (idleExit !== undefined && f.ephemeral !== true) throw new UsageError('--idle-exit needs --ephemeral or --supervise (permanent agents never retire)');
  return { ...base, idleExitMs: idleExit === undefined ? undefined : idleExit * 1000, supervise: null };
}

function tags(f: Flags): string[] {
  try {
    return parseTags(str(f, 'capabilities'));
  } catch (e) {
    throw new UsageError(`--capabilities: ${(e as Error).message}`);
  }
}

export interface BridgeConfig {
  url: string;
  token: string;
  host: string;
  port: number;
  manifestPort: number | null;
  /** Unset: the bridge's default. */
  maxConnections?: number;
  /** The bridge's own opt-in token (not the control-plane token); unset = open to local clients. */
  bridgeToken?: string;
}

/** `titan bridge`: the port is --port > TITAN_BRIDGE_PORT > 9090; no manifest listener unless asked. */
export function bridgeConfig(s: Sources): BridgeConfig {
  const { url, token } = clientConfig(s);
  return {
    url,
    token,
    host: str(s.flags, 'host') ?? DEFAULTS.host,
    port: bridgePort(s, 'port'),
    manifestPort: num(s.flags, 'manifest-port') ?? null,
    maxConnections: num(s.flags, 'max-connections'),
    bridgeToken: bridgeToken(s),
  };
}

/** `--bridge-token-file FILE` (its first line) > TITAN_BRIDGE_TOKEN > none. */
function bridgeToken(s: Sources): string | undefined {
  const path = str(s.flags, 'bridge-token-file');
  if (path === undefined) return envText(s.env, 'TITAN_BRIDGE_TOKEN')?.trim() || undefined;
  return firstLine(s, path, '--bridge-token-file');
}

function bridgePort(s: Pick<Sources, 'flags' | 'env'>, flag: string): number {
  const flagged = num(s.flags, flag);
  if (flagged !== undefined) return flagged;
  const env = envText(s.env, 'TITAN_BRIDGE_PORT');
  return env === undefined ? DEFAULTS.bridgePort : checkNumber(env, PORT, 'TITAN_BRIDGE_PORT');
}

export interface UpConfig {
  stateDir: string;
  host: string;
  httpPort: number;
  bridgePort: number;
  /** Where the original SDK POSTs DAG names (it uses 5000); null = off. */
  manifestPort: number | null;
  agents: number;
  capabilities: string[];
  slots: number;
  demo: boolean;
  verbose: boolean;
  /** Worker vars for the local control plane (`--var KEY:VALUE`). */
  vars: Record<string, string>;
}

/** `titan up`: a new cluster under `stateDir`, so the token and URL flags do not apply. */
export function upConfig(s: Pick<Sources, 'flags' | 'env' | 'cwd'>): UpConfig {
  const f = s.flags;
  if (f['no-manifest'] === true && f['manifest-port'] !== undefined) throw new UsageError('--manifest-port and --no-manifest contradict each other');
  return {
    stateDir: stateDir(s),
    host: str(f, 'host') ?? DEFAULTS.host,
    httpPort: num(f, 'http-port') ?? DEFAULTS.httpPort,
    bridgePort: bridgePort(s, 'bridge-port'),
    manifestPort: f['no-manifest'] === true ? null : (num(f, 'manifest-port') ?? DEFAULTS.manifestPort),
    agents: num(f, 'agents') ?? DEFAULTS.agents,
    capabilities: (str(f, 'capabilities') ?? '').split(',').map((t) => t.trim()).filter(Boolean),
    slots: num(f, 'slots') ?? DEFAULTS.slots,
    demo: f.demo === true,
    verbose: f.verbose === true,
    vars: parseVars(Array.isArray(f.var) ? f.var : []),
  };
}

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `--var KEY:VALUE` (wrangler's convention): the value may itself contain colons. */
export function parseVars(list: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const item of list) {
    const cut = item.indexOf(':');
    const key = cut < 0 ? item : item.slice(0, cut);
    if (cut < 0 || !VAR_NAME.test(key)) throw new UsageError(`--var needs KEY:VALUE with KEY a variable name, not ${JSON.stringify(item)}`);
    vars[key] = item.slice(cut + 1);
  }
  return vars;
}

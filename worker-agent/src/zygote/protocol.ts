// The pure half of the Python zygote: what the agent sends it and how its answers read.
import { constants } from 'node:os';
import path from 'node:path';
import type { Exit } from '../process';

/** One job, as the agent writes it to a warm child's stdin (see zygote.py). */
export interface ZygoteRequest {
  file: string;
  argv: string[];
  cwd: string;
  /** The job's environment as it differs from the zygote's (envDelta): most of it is the same. */
  envSet: Record<string, string>;
  envUnset: string[];
  sysPath: string[];
}

/** What the zygote writes back, one JSON object a line. */
export type ZygoteMessage =
  | { ready: true; pid: number; sysPath: string[] }
  | { warm: number; status: number }
  | { end: number; exit: number | null; signal: number | null }
  | { starved: string };

/**
 * How many more warm children to ask the zygote for, now. After a job ended (or a warm child died
 * idle): one, to replace it, while short of `target`; a fork while jobs run would take a CPU from
 * them, so it waits for this moment. After a job took a warm child: none while some are left; with
 * none left, one for every job waiting and one for the next (a burst).
 */
export function forksToAsk(event: 'took' | 'ended', s: { pool: number; pending: number; waiting: number; target: number }): number {
  if (event === 'ended') return s.pool + s.pending < s.target ? 1 : 0;
  return s.pool > 0 ? 0 : Math.max(0, s.waiting + 1 - s.pending);
}

/** A warm child's fd (stdin, stdout, stderr, its status pipe), each a pipe: opened here, the agent gets the other end. */
export const childFd = (pid: number, fd: number) => `/proc/${pid}/fd/${fd}`;

/** The exit status a warm child writes on its status pipe (`exit N`), once its whole line is there. */
export function statusOf(text: string): number | null {
  const m = /^exit (\d+)\n/.exec(text);
  return m ? Number(m[1]) : null;
}

/**
 * sys.path as `python3 -u file.py` builds it, given the path `site` built in the zygote
 * (`base`): the script's real directory first, then PYTHONPATH entries made absolute against
 * the cwd (an empty entry is the cwd), then `base`; duplicates after [0] dropped, as site does.
 */
export function childSysPath(realFile: string, cwd: string, pythonPath: string | undefined, base: string[]): string[] {
  const entries = pythonPath === undefined || pythonPath === '' ? [] : pythonPath.split(path.delimiter).map((p) => path.resolve(cwd, p));
  return [path.dirname(realFile), ...new Set([...entries, ...base])];
}

/**
 * What a warm child sets and removes so that its environment, the zygote's (`base`, what the agent
 * started it with), becomes exactly `env`. Only the difference travels: parsing and applying a whole
 * environment for every job cost a trivial job's child ~0.25 ms of its ~2.6 ms of CPU.
 */
export function envDelta(env: NodeJS.ProcessEnv, base: NodeJS.ProcessEnv): { envSet: Record<string, string>; envUnset: string[] } {
  const envSet: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && base[k] !== v) envSet[k] = v;
  const envUnset = Object.keys(base).filter((k) => base[k] !== undefined && env[k] === undefined);
  return { envSet, envUnset };
}

/** A job as a warm child takes it; `baseEnv` is the zygote's environment. */
export function buildRequest(input: {
  file: string;
  realFile: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  baseEnv: NodeJS.ProcessEnv;
  basePath: string[];
}): ZygoteRequest {
  return {
    file: input.file,
    argv: input.args,
    cwd: input.cwd,
    ...envDelta(input.env, input.baseEnv),
    sysPath: childSysPath(input.realFile, input.cwd, input.env.PYTHONPATH, input.basePath),
  };
}

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));

/** The zygote's raw wait status, read the way Node reports a spawned child's exit. */
export function exitOf(msg: { exit: number | null; signal: number | null }): Exit {
  if (msg.signal) return { code: null, signal: SIGNAL_NAMES.get(msg.signal) ?? (`SIG${msg.signal}` as NodeJS.Signals) };
  return { code: msg.exit, signal: null };
}

/**
 * Variables an interpreter reads while it starts (flags, encodings, user site, the dynamic
 * loader): a forked zygote has already read its own, so a job that sets them differently
 * must get a real `python3`. PYTHONPATH is applied by the zygote; -u makes PYTHONUNBUFFERED moot.
 */
const STARTUP_VAR = /^(PYTHON|LC_|LD_)|^(LANG|LANGUAGE|HOME)$/;
const APPLIED = new Set(['PYTHONPATH', 'PYTHONUNBUFFERED']);

/** The first start-up variable on which `job` and `zygote` differ, or null when a fork is faithful. */
export function startupMismatch(job: NodeJS.ProcessEnv, zygote: NodeJS.ProcessEnv): string | null {
  for (const k of new Set([...Object.keys(job), ...Object.keys(zygote)])) {
    if (STARTUP_VAR.test(k) && !APPLIED.has(k) && (job[k] ?? '') !== (zygote[k] ?? '')) return k;
  }
  return null;
}

/** Only `.py` files go to the zygote. */
export const isPythonFile = (file: string) => path.extname(file).toLowerCase() === '.py';

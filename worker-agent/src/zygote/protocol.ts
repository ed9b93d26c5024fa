// The pure half of the Python zygote: what the agent sends it and how its answers read.
import { constants } from 'node:os';
import path from 'node:path';
import type { Exit } from '../process';

/** One job for the zygote (see zygote.py). */
export interface ZygoteRequest {
  id: string;
  file: string;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  /** FIFOs the agent already holds open for reading. */
  stdout: string;
  stderr: string;
  sysPath: string[];
}

/** What the zygote writes back, one JSON object a line. */
export type ZygoteMessage =
  | { ready: true; pid: number; sysPath: string[] }
  | { id: string; made: true }
  | { id: string; pid: number }
  | { id: string; error: string }
  | { id: string; exit: number | null; signal: number | null };

/**
 * sys.path as `python3 -u file.py` builds it, given the path `site` built in the zygote
 * (`base`): the script's real directory first, then PYTHONPATH entries made absolute against
 * the cwd (an empty entry is the cwd), then `base`; duplicates after [0] dropped, as site does.
 */
export function childSysPath(realFile: string, cwd: string, pythonPath: string | undefined, base: string[]): string[] {
  const entries = pythonPath === undefined || pythonPath === '' ? [] : pythonPath.split(path.delimiter).map((p) => path.resolve(cwd, p));
  return [path.dirname(realFile), ...new Set([...entries, ...base])];
}

/** A job as the zygote takes it (`run` adds the id). */
export function buildRequest(input: {
  file: string;
  realFile: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  fifos: { stdout: string; stderr: string };
  basePath: string[];
}): Omit<ZygoteRequest, 'id'> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.env)) if (v !== undefined) env[k] = v;
  return {
    file: input.file,
    argv: input.args,
    cwd: input.cwd,
    env,
    ...input.fifos,
    sysPath: childSysPath(input.realFile, input.cwd, env.PYTHONPATH, input.basePath),
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

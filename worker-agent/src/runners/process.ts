import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LeasedJob } from '../../../control-plane/src/contract/agents';

/** How to run a job file, from its name alone. */
export function commandFor(file: string, args: string[], python = 'python3'): { cmd: string; argv: string[] } {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.py') return { cmd: python, argv: ['-u', file, ...args] }; // -u: unbuffered, so logs stream live
  if (ext === '.sh') return { cmd: 'bash', argv: [file, ...args] };
  if (ext === '.js' || ext === '.mjs' || ext === '.cjs') return { cmd: process.execPath, argv: [file, ...args] };
  return { cmd: path.resolve(file), argv: args };
}

/**
 * The real interpreter behind `python3`, asked once. Version-manager shims (pyenv) are
 * scripts that cost ~100 ms per start, which dominates short jobs; unresolvable → 'python3'.
 */
export function resolvePython(cwd: string): string {
  try {
    const exe = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { cwd, timeout: 10_000, encoding: 'utf8' }).trim();
    return exe || 'python3';
  } catch {
    return 'python3';
  }
}

/** The repo's Python SDK, so job scripts can `from titan_sdk import TitanClient` on any machine. */
export const SDK_PYTHON = fileURLToPath(new URL('../../../sdk/python', import.meta.url));

/** The environment of a job: inherited, plus where it is and how to reach the cluster. */
export function jobEnv(input: {
  base: NodeJS.ProcessEnv;
  job: LeasedJob;
  url: string;
  bridgePort?: number;
  pythonPath?: string[];
}): NodeJS.ProcessEnv {
  const { job } = input;
  const env: NodeJS.ProcessEnv = { ...input.base };
  env.TITAN_JOB_ID = job.id;
  env.TITAN_RUN = String(job.run);
  env.TITAN_ATTEMPT = String(job.attempt);
  env.TITAN_URL = input.url;
  if (job.dag) env.TITAN_DAG = job.dag;
  if (input.bridgePort) {
    env.TITAN_HOST = '127.0.0.1';
    env.TITAN_PORT = String(input.bridgePort);
  }
  if (job.port) env.PORT = env.TITAN_SERVICE_PORT = String(job.port);
  Object.assign(env, job.env);
  const py = [...(input.pythonPath ?? []), SDK_PYTHON, env.PYTHONPATH].filter(Boolean);
  env.PYTHONPATH = py.join(path.delimiter);
  env.PYTHONUNBUFFERED = '1';
  // The agent's own tokens are not the job's business.
  delete env.TITAN_AGENT_TOKEN;
  return env;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Proc {
  pid: number;
  /** Resolves when the process has exited and its output pipes are drained. */
  exited: Promise<Exit>;
  /** SIGTERM to the whole process group, SIGKILL after the grace. */
  killTree(graceMs?: number): Promise<void>;
}

export function killGroup(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    return false; // ESRCH: the group is gone
  }
}

/**
 * Spawn in its own process group (detached) so a timeout or cancel can take down every
 * child the job started, not just the leader. Leftover children are killed when the
 * leader exits: a finished job leaves nothing behind.
 */
export function spawnTree(opts: {
  cmd: string;
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  onOutput: (stream: 'stdout' | 'stderr', chunk: string) => void;
  /** Where to record the running process group (see `pidFiles`). */
  pidDir?: string;
}): Proc {
  const child = spawn(opts.cmd, opts.argv, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (opts.pidDir && child.pid) pidFiles.add(opts.pidDir, child.pid);
  child.stdout.setEncoding('utf8').on('data', (c: string) => opts.onOutput('stdout', c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => opts.onOutput('stderr', c));
  const exited = new Promise<Exit>((resolve) => {
    let exit: Exit | undefined;
    child.on('error', (err) => {
      opts.onOutput('stderr', `cannot start ${opts.cmd}: ${err.message}\n`);
      resolve({ code: 127, signal: null });
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      if (child.pid) {
        killGroup(child.pid, 'SIGKILL');
        if (opts.pidDir) pidFiles.remove(opts.pidDir, child.pid);
      }
      // A grandchild that escaped the group could hold the pipes open: don't wait forever.
      setTimeout(() => resolve(exit!), 2000).unref();
    });
    child.on('close', () => exit && resolve(exit));
  });
  return { pid: child.pid ?? -1, exited, killTree: child.pid ? treeKiller(child.pid, exited) : () => Promise.resolve() };
}

/** `Proc.killTree` for the process group led by `pid`: SIGTERM, SIGKILL after the grace. */
export function treeKiller(pid: number, exited: Promise<unknown>): (graceMs?: number) => Promise<void> {
  let killing: Promise<void> | undefined;
  return (graceMs = 3000) =>
    (killing ??= (async () => {
      if (!killGroup(pid, 'SIGTERM')) return;
      const t = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    })());
}

/** Process start time from /proc (Linux), so a recycled pid is never mistaken for our job. */
function startTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * Job process groups are recorded under `dir` while they run. An agent killed with SIGKILL
 * cannot stop them (they are detached), and the control plane re-runs their jobs elsewhere,
 * so the next agent on this workdir kills what its predecessor left behind.
 */
export const pidFiles = {
  add(dir: string, pid: number): void {
    const t = startTime(pid);
    if (!t) return;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, String(pid)), t);
  },
  remove(dir: string, pid: number): void {
    fs.rmSync(path.join(dir, String(pid)), { force: true });
  },
  reap(dir: string): number[] {
    if (!fs.existsSync(dir)) return [];
    const killed: number[] = [];
    for (const name of fs.readdirSync(dir)) {
      const pid = Number(name);
      if (Number.isInteger(pid) && pid > 0 && startTime(pid) === fs.readFileSync(path.join(dir, name), 'utf8')) {
        killGroup(pid, 'SIGKILL');
        killed.push(pid);
      }
      fs.rmSync(path.join(dir, name), { force: true });
    }
    return killed;
  },
};

// The one module that starts and stops OS processes: runners spawn through it, the zygote
// hands back the same `Proc`, the agent reaps orphans with it.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

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

/** What a job process is started with, besides the command (a `Forker` picks that itself). */
export interface ForkRequest {
  file: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  onOutput: (stream: 'stdout' | 'stderr', chunk: string) => void;
  /** Agent-side notes for the job log. */
  note: (text: string) => void;
  pidDir?: string;
}

/**
 * A faster way than `spawnTree` to start some jobs (the Python zygote forks `.py` files from
 * a warm interpreter). Runners receive one by injection and fall back to spawning whenever it
 * declines or fails; they never know what is behind it.
 */
export interface Forker {
  /** How job logs name it ("python zygote"). */
  readonly name: string;
  /** Null when it can start this job faithfully; else why not, and whether the job log should say so. */
  refusal(file: string, env: NodeJS.ProcessEnv): { reason: string; tell: boolean } | null;
  /** Resolves once the job runs in its own process group; rejects with a `ForkError` when it did not start it. */
  fork(req: ForkRequest): Promise<Proc>;
}

/** A `Forker` failed. `maybeStarted`: it failed mid-request, so the job may be running and must not be spawned again. */
export class ForkError extends Error {
  constructor(
    message: string,
    readonly maybeStarted = false,
  ) {
    super(message);
  }
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

/** Process start time from /proc (Linux), so a recycled pid is never mistaken for our job; null once gone (a zombie is). */
function startTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? null : (fields[19] ?? null);
  } catch {
    return null;
  }
}

/**
 * Job process groups are recorded under `dir` while they run. They are detached, so a SIGKILLed
 * agent cannot stop them itself: its watchdog (watchdog.ts) kills them from this list, and should
 * that have been killed too, the next agent on this workdir kills what is left.
 */
export const pidFiles = {
  add(dir: string, pid: number): void {
    const t = startTime(pid);
    if (!t) return;
    const file = path.join(dir, String(pid));
    try {
      fs.writeFileSync(file, t);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      fs.mkdirSync(dir, { recursive: true }); // the first one (a mkdir per job cost a failed syscall each)
      fs.writeFileSync(file, t);
    }
  },
  remove(dir: string, pid: number): void {
    try {
      fs.unlinkSync(path.join(dir, String(pid)));
    } catch {
      /* not there: nothing to forget */
    }
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

/**
 * The workerd process behind a local control plane must not outlive `titan up`: a `kill -9` of
 * the Node process would otherwise leave it holding the port, and the next `titan up` would refuse
 * to start. Two guards: a tiny watcher process kills workerd as soon as its parent is gone, and the
 * pid (with its start time, so a reused pid is never mistaken for it) is kept in the state dir so
 * the next start can finish the job if the watcher died too. Linux (/proc); elsewhere a no-op.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ProcessMark {
  pid: number;
  /** Start time in clock ticks since boot (/proc/PID/stat field 22). */
  start: number;
}

const pidFile = (stateDir: string) => join(stateDir, 'workerd.pid');

/** The fields of /proc/PID/stat from field 3 on ([0] is field 3): the command name (field 2) may hold spaces and parentheses. */
const statFields = (statText: string): string[] => statText.slice(statText.lastIndexOf(')') + 2).split(' ');

/** Field 22 of /proc/PID/stat. */
export function startTimeOf(statText: string): number | null {
  const v = Number(statFields(statText)[19]);
  return Number.isFinite(v) ? v : null;
}

const CLOCK_TICKS_PER_S = 100; // USER_HZ on Linux

/** CPU time (ms: utime + stime, fields 14 and 15) and resident memory (MB) of a live process; null when unreadable. */
export function processUsage(pid: number): { cpuMs: number; rssMb: number } | null {
  const stat = read(`/proc/${pid}/stat`);
  const status = read(`/proc/${pid}/status`);
  if (stat === null || status === null) return null;
  const fields = statFields(stat);
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  if (!Number.isFinite(ticks) || !Number.isFinite(rssKb)) return null;
  return { cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_S, rssMb: rssKb / 1024 };
}

/** The pid file's mark, or null when it is missing or not ours. */
export function parseMark(text: string | null): ProcessMark | null {
  if (!text) return null;
  try {
    const m = JSON.parse(text) as Partial<ProcessMark>;
    return Number.isInteger(m.pid) && m.pid! > 1 && Number.isFinite(m.start) ? { pid: m.pid!, start: m.start! } : null;
  } catch {
    return null;
  }
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The live process `pid` if it is a workerd, with its start time; null otherwise. */
export function workerdMark(pid: number): ProcessMark | null {
  const cmdline = read(`/proc/${pid}/cmdline`);
  const stat = read(`/proc/${pid}/stat`);
  if (!cmdline || !stat || !cmdline.split('\0')[0]!.includes('workerd')) return null;
  const start = startTimeOf(stat);
  return start === null ? null : { pid, start };
}

/** The workerd processes among `parent`'s children. */
export function workerdChildren(parent = process.pid): ProcessMark[] {
  const dir = `/proc/${parent}/task`;
  if (!existsSync(dir)) return [];
  const pids = new Set<number>();
  for (const t of readdirSync(dir)) for (const p of (read(join(dir, t, 'children')) ?? '').split(/\s+/)) if (p) pids.add(Number(p));
  return [...pids].map(workerdMark).filter((m): m is ProcessMark => m !== null);
}

/** Remember the workerd that just started (the one among `before` that was not there yet), and guard it. */
export function guardWorkerd(stateDir: string, before: readonly ProcessMark[]): { mark: ProcessMark | null; unguard: () => void } {
  const known = new Set(before.map((m) => m.pid));
  const fresh = workerdChildren().filter((m) => !known.has(m.pid));
  if (fresh.length !== 1) return { mark: null, unguard: () => {} }; // not on Linux, or several planes starting at once: cannot tell which
  const mark = fresh[0]!;
  writeFileSync(pidFile(stateDir), JSON.stringify(mark) + '\n', { mode: 0o600 });
  // Polls twice a second; exits by itself once workerd is gone. Its own process group, so that
  // a signal to ours (Ctrl-C in a terminal) does not take it down before it could act.
  const watcher = spawn(
    'sh',
    ['-c', 'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 0.5; done; kill -0 "$1" 2>/dev/null || kill -9 "$2" 2>/dev/null', 'titan-watch', String(process.pid), String(mark.pid)],
    { stdio: 'ignore', detached: true },
  );
  watcher.on('error', () => {}); // no sh: the pid file still covers the next start
  watcher.unref();
  const unguard = () => {
    rmSync(pidFile(stateDir), { force: true });
    try {
      watcher.kill();
    } catch {
      /* already gone */
    }
  };
  return { mark, unguard };
}

/** Kill a workerd left behind by a previous `titan up` on this state dir; resolves once it is gone. */
export async function killLeftoverWorkerd(stateDir: string): Promise<boolean> {
  const mark = parseMark(read(pidFile(stateDir)));
  rmSync(pidFile(stateDir), { force: true });
  if (!mark) return false;
  const live = workerdMark(mark.pid);
  if (!live || live.start !== mark.start) return false;
  try {
    process.kill(mark.pid, 'SIGKILL');
  } catch {
    return false;
  }
  // Gone, or a zombie with no thread left: only then are its sockets closed (its command line
  // empties earlier, and the main thread turns zombie before the other threads are done).
  const done = () => exited(read(`/proc/${mark.pid}/stat`)) && threads(mark.pid) <= 1;
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 50));
  return true;
}

function threads(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/task`).length;
  } catch {
    return 0;
  }
}

/** Whether /proc/PID/stat (null: no such process) shows a process that has finished exiting. */
export function exited(statText: string | null): boolean {
  if (statText === null) return true;
  const state = statFields(statText)[0];
  return state === 'Z' || state === 'X';
}

// Our processes as /proc sees them: the bench's tree sampled for peak memory, and CPU time over a run.
// Linux only (the bench says so elsewhere). Parsing and accounting are pure; sampling reads /proc.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime, and the same for the children it has reaped (cutime + cstime), in clock ticks. */
  ownTicks: number;
  reapedTicks: number;
  rssPages: number;
}

/** One /proc/PID/stat line. The command name (field 2) may hold spaces and parentheses. */
export function parseStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const f = text.slice(close + 2).trim().split(/\s+/).map(Number); // f[0] is field 3 (state: NaN)
  if (f.length < 22) return null;
  return { pid: Number(text.slice(0, open)), ppid: f[1], comm: text.slice(open + 1, close), ownTicks: f[11] + f[12], reapedTicks: f[13] + f[14], rssPages: f[21] };
}

/** What a process is to the bench: the roles a figure is reported under. */
export type Role = 'workerd' | 'bench' | 'agent' | 'zygote' | 'job' | 'other';

/** The role of `p`, given the known pids and the zygotes seen so far. A job is any child of a zygote. */
export function roleOf(p: ProcStat, known: { bench: number; workerd?: number; agent?: number; zygotes: ReadonlySet<number> }, cmdline: string): Role {
  if (p.pid === known.bench) return 'bench';
  if (p.pid === known.workerd || p.comm === 'workerd') return 'workerd';
  if (p.pid === known.agent) return 'agent';
  if (known.zygotes.has(p.ppid)) return 'job'; // before the command line: a fork keeps the zygote's
  if (cmdline.includes('zygote.py')) return 'zygote';
  return 'other';
}

/**
 * CPU used between two snapshots, by role, in clock ticks. A process's own time counts while it
 * lives; the bench's reaped time does not (earlier sections' processes end there). A zygote's
 * reaped time is its jobs', which are reaped before their results are reported, so the last
 * snapshot has them all; a process first seen in `after` started from zero.
 */
export function cpuBetween(before: ReadonlyMap<number, ProcStat>, after: ReadonlyMap<number, ProcStat>, roles: ReadonlyMap<number, Role>): Record<Role, number> {
  const out: Record<Role, number> = { workerd: 0, bench: 0, agent: 0, zygote: 0, job: 0, other: 0 };
  for (const [pid, a] of after) {
    const role = roles.get(pid) ?? 'other';
    if (role === 'job') continue; // counted in its zygote's reaped time once it ends
    const b = before.get(pid);
    const reaped = role === 'bench' ? 0 : a.reapedTicks - (b?.reapedTicks ?? 0);
    out[role] += a.ownTicks - (b?.ownTicks ?? 0) + reaped;
  }
  return out;
}

// ---- shell ----------------------------------------------------------------------------------

const read = (p: string) => {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return null;
  }
};

export const CLOCK_TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
export const PAGE_BYTES = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim()) || 4096;

/** `root` and its descendants (through /proc/PID/task/TID/children), with their stat lines. */
export function processTree(root = process.pid): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    const st = parseStat(read(`/proc/${pid}/stat`) ?? '');
    if (!st) continue;
    out.set(pid, st);
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {}
    for (const t of tasks) for (const c of (read(`/proc/${pid}/task/${t}/children`) ?? '').split(/\s+/)) if (c) todo.push(Number(c));
  }
  return out;
}

/**
 * Samples the bench's process tree every `everyMs` until stopped: each role's peak resident
 * memory (the largest single process of that role), the roles of every process seen, and how
 * many job processes it caught alive.
 */
export class TreeSampler {
  readonly roles = new Map<number, Role>();
  readonly peakRss: Record<Role, number> = { workerd: 0, bench: 0, agent: 0, zygote: 0, job: 0, other: 0 };
  jobsSeen = 0;
  private readonly zygotes = new Set<number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly known: { bench: number; workerd?: number; agent?: number }) {}

  /** One look at the tree: roles learnt, peaks raised. Returns the snapshot. */
  sample(): Map<number, ProcStat> {
    const tree = processTree(this.known.bench);
    for (const p of tree.values()) {
      let role = this.roles.get(p.pid);
      if (!role) {
        role = roleOf(p, { ...this.known, zygotes: this.zygotes }, (read(`/proc/${p.pid}/cmdline`) ?? '').replace(/\0/g, ' '));
        this.roles.set(p.pid, role);
        if (role === 'zygote') this.zygotes.add(p.pid);
        if (role === 'job') this.jobsSeen++;
      }
      this.peakRss[role] = Math.max(this.peakRss[role], p.rssPages * PAGE_BYTES);
    }
    return tree;
  }

  start(everyMs = 50): this {
    this.timer = setInterval(() => this.sample(), everyMs);
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

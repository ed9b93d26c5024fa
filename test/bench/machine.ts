// What this machine gives anyone, measured before the rest so the rest reads against it: figures
// from two sessions or two machines compare only once these do. A virtual machine's CPU speed,
// disk flush and cross-process wake-up vary from one to the next by more than most changes we
// measure, and a busy host takes CPU time from it while it runs (steal, from /proc/stat).
import { spawn } from 'node:child_process';
import { closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { percentile, round } from './stats';

export interface CpuTimes {
  steal: number;
  total: number;
}

/** The all-CPUs line of /proc/stat (`cpu  user nice system idle iowait irq softirq steal …`), in ticks. */
export function parseCpuLine(text: string): CpuTimes | null {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (!line) return null;
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (f.length < 8 || f.some((x) => !Number.isFinite(x))) return null;
  return { steal: f[7]!, total: f.reduce((a, b) => a + b, 0) };
}

/** Share of all CPU time the host took between two readings, in percent; null without both. */
export function stealPct(a: CpuTimes | null, b: CpuTimes | null): number | null {
  if (!a || !b || b.total <= a.total) return null;
  return round((100 * (b.steal - a.steal)) / (b.total - a.total), 1);
}

export function cpuTimes(): CpuTimes | null {
  try {
    return parseCpuLine(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return null; // not Linux
  }
}

/** A fixed amount of pure JavaScript work (after a warm-up run): this machine's CPU speed as we use it. */
function cpuRefMs(): number {
  const work = () => {
    let h = 0;
    const words = Array.from({ length: 2_000 }, (_, i) => `w${i}`);
    for (let r = 0; r < 200; r++) {
      const m = new Map<string, number>();
      for (const w of words) m.set(w, (m.get(w) ?? 0) + r);
      h = (h + JSON.stringify([...m.values()]).length) | 0;
    }
    return h;
  };
  work();
  const ms = Array.from({ length: 5 }, () => {
    const t0 = performance.now();
    work();
    return performance.now() - t0;
  });
  return round(percentile(ms, 50), 1);
}

/** A 4 KiB overwrite and fsync in the temp dir (where the bench's state dirs are): a commit's floor. */
function fsyncP50Ms(): number {
  const dir = mkdtempSync(path.join(tmpdir(), 'titan-bench-fsync-'));
  const fd = openSync(path.join(dir, 'f'), 'w+');
  try {
    const page = Buffer.alloc(4096, 1);
    for (let i = 0; i < 16; i++) writeSync(fd, page, 0, page.length, i * 4096);
    fsyncSync(fd);
    const ms: number[] = [];
    for (let i = 0; i < 300; i++) {
      writeSync(fd, page, 0, page.length, (i % 16) * 4096);
      const t0 = performance.now();
      fsyncSync(fd);
      ms.push(performance.now() - t0);
    }
    return round(percentile(ms, 50), 3);
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A byte to a Python process over a pipe and back: the cost of waking another process, which every hop of ours pays. */
async function pipeRoundTripP50Ms(python: string): Promise<number | null> {
  const echo = 'import os\nwhile True:\n    b = os.read(0, 1)\n    if not b: break\n    os.write(1, b)\n';
  const child = spawn(python, ['-c', echo], { stdio: ['pipe', 'pipe', 'ignore'] });
  const failed = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', () => reject(new Error('the echo process ended')));
  });
  failed.catch(() => {});
  try {
    const once = () =>
      Promise.race([
        failed,
        new Promise<number>((resolve) => {
          const t0 = performance.now();
          child.stdout.once('data', () => resolve(performance.now() - t0));
          child.stdin.write('x');
        }),
      ]);
    const ms: number[] = [];
    for (let i = 0; i < 1_100; i++) {
      const t = await once();
      if (i >= 100) ms.push(t); // the first ones: the interpreter still starting
    }
    return round(percentile(ms, 50), 3);
  } catch {
    return null;
  } finally {
    child.stdin.end();
    child.kill();
  }
}

export async function benchMachine(python = 'python3'): Promise<Record<string, number | string>> {
  const out: Record<string, number | string> = { machine_cpu_ref_ms: cpuRefMs(), machine_fsync_4k_p50_ms: fsyncP50Ms() };
  const rt = await pipeRoundTripP50Ms(python);
  if (rt !== null) out.machine_pipe_round_trip_p50_ms = rt;
  return out;
}

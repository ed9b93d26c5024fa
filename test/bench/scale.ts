// The scale curve: 100 / 1,000 / 10,000 independent trivial jobs (one DAG each) on a fresh local
// cluster with one 4-slot agent in its own process (as `titan agent` runs), watched through /proc:
// wall time, jobs/s, CPU per job by process, peak memory by process, disk used by the state dir.
// BENCH_SCALE_MAX caps the curve (e.g. 1000 for a quick run).
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { JobSpecInput } from '../../control-plane/src/contract/jobs';
import { TRIVIAL_SOURCE, timeDag } from '../agent/bench';
import { sleep, spawnAgentProcess, startCluster, tmpdir } from '../agent/helpers';
import { CLOCK_TICKS_PER_S, cpuBetween, PAGE_BYTES, TreeSampler, type Role } from './procs';
import { round } from './stats';

const SIZES = [100, 1_000, 10_000];
const IDLE_MS = 3_000;
const TRIVIAL = Buffer.from(TRIVIAL_SOURCE).toString('base64');
const MB = 1024 * 1024;

/** Bytes on disk (allocated blocks) and files under `dir`. */
function diskUsage(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    try {
      bytes += statSync(join(e.parentPath, e.name)).blocks * 512;
      files++;
    } catch {
      /* gone between the listing and the stat (SQLite's journal) */
    }
  }
  return { bytes, files };
}

export interface ScalePoint {
  jobs: number;
  submitMs: number;
  wallS: number;
  jobsPerS: number;
  /** CPU ms per job by role over the run; `ours` is workerd + agent + Python (the client is the user's). */
  cpuMsPerJob: Record<Role | 'ours', number>;
  peakRssMb: Record<Role, number>;
  /** workerd's resident memory after IDLE_MS with nothing to do. */
  workerdIdleRssMb: number;
  jobProcessesSeen: number;
  diskMb: number;
  diskBytesPerJob: number;
  stateFiles: number;
}

async function runPoint(n: number): Promise<ScalePoint> {
  const stateDir = tmpdir('scale-state');
  const workdir = tmpdir('scale-agent');
  const c = await startCluster({}, stateDir);
  const agent = spawnAgentProcess(['--url', c.url, '--token', c.agentToken, '--client-token', c.clientToken, '--slots', '4', '--name', `scale-${n}`, '--workdir', workdir]);
  let sampler: TreeSampler | undefined;
  try {
    await agent.ready;
    const workerd = (JSON.parse(readFileSync(join(stateDir, 'workerd.pid'), 'utf8')) as { pid: number }).pid;
    sampler = new TreeSampler({ bench: process.pid, workerd, agent: agent.proc.pid }).start(50);
    // Warm: the zygote's first forks, the payload cache, the agent's JIT.
    await timeDag(c, 'warmup', Array.from({ length: 20 }, (_, i) => ({ id: `warm${i}`, file: 'job.py', payloadB64: TRIVIAL, maxRetries: 0 })));
    const disk0 = diskUsage(stateDir);
    const before = sampler.sample();

    const jobs: JobSpecInput[] = Array.from({ length: n }, (_, i) => ({ id: `s${i}`, file: 'job.py', payloadB64: TRIVIAL, maxRetries: 0 }));
    const t0 = performance.now();
    const { dag } = await c.client.submitDag({ name: `scale-${n}`, jobs });
    const submitMs = performance.now() - t0;
    // Held on GET /v1/dags/{id}/wait, as a user waits (and as the workloads beside Ray do): a poll
    // of the DAG's counts would load the machine that runs what is measured.
    const deadline = Date.now() + 120_000 + n * 100;
    for (;;) {
      const w = await c.client.waitDag(dag, 20_000);
      if (w.ended) {
        if (w.counts.COMPLETED !== n) throw new Error(`scale ${n}: not all completed: ${JSON.stringify(w.counts)}`);
        break;
      }
      if (Date.now() > deadline) throw new Error(`scale ${n}: still running at the deadline: ${JSON.stringify(w.counts)}`);
    }
    const wallMs = performance.now() - t0;
    const after = sampler.sample();
    const disk1 = diskUsage(stateDir);
    await sleep(IDLE_MS);
    const idle = sampler.sample().get(workerd);
    sampler.stop();

    const ticks = cpuBetween(before, after, sampler.roles);
    const perJob = (t: number) => round(((t / CLOCK_TICKS_PER_S) * 1000) / n, 2);
    const cpuMsPerJob = Object.fromEntries(Object.entries(ticks).map(([k, v]) => [k, perJob(v)])) as Record<Role | 'ours', number>;
    cpuMsPerJob.ours = perJob(ticks.workerd + ticks.agent + ticks.zygote + ticks.job + ticks.other);
    return {
      jobs: n,
      submitMs: Math.round(submitMs),
      wallS: round(wallMs / 1000, 2),
      jobsPerS: round(n / (wallMs / 1000), 1),
      cpuMsPerJob,
      peakRssMb: Object.fromEntries(Object.entries(sampler.peakRss).map(([k, v]) => [k, round(v / MB, 1)])) as Record<Role, number>,
      workerdIdleRssMb: round(((idle?.rssPages ?? 0) * PAGE_BYTES) / MB, 1),
      jobProcessesSeen: sampler.jobsSeen,
      diskMb: round(disk1.bytes / MB, 1),
      diskBytesPerJob: Math.round((disk1.bytes - disk0.bytes) / n),
      stateFiles: disk1.files,
    };
  } finally {
    sampler?.stop();
    agent.proc.kill('SIGTERM');
    await new Promise((r) => (agent.proc.exitCode !== null ? r(null) : agent.proc.once('exit', r)));
    await c.stop();
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(workdir, { recursive: true, force: true });
  }
}

/** The curve as a table; sizes above BENCH_SCALE_MAX are left out. */
export async function benchScale(): Promise<{ figures: Record<string, number | string>; table: string[] }> {
  const max = Number(process.env.BENCH_SCALE_MAX ?? Infinity);
  const points: ScalePoint[] = [];
  for (const n of SIZES.filter((s) => s <= max)) points.push(await runPoint(n));
  return scaleReport(points);
}

/** Rows per size; columns that say what each process costs. */
export function scaleReport(points: ScalePoint[]): { figures: Record<string, number | string>; table: string[] } {
  const cols: [string, (p: ScalePoint) => number][] = [
    ['jobs', (p) => p.jobs],
    ['submit_ms', (p) => p.submitMs],
    ['wall_s', (p) => p.wallS],
    ['jobs/s', (p) => p.jobsPerS],
    ['cpu/job ms', (p) => p.cpuMsPerJob.ours],
    ['workerd', (p) => p.cpuMsPerJob.workerd],
    ['agent', (p) => p.cpuMsPerJob.agent],
    ['python', (p) => round(p.cpuMsPerJob.zygote + p.cpuMsPerJob.job, 2)],
    ['client', (p) => p.cpuMsPerJob.bench],
    ['rss MB workerd', (p) => p.peakRssMb.workerd],
    ['idle', (p) => p.workerdIdleRssMb],
    ['agent', (p) => p.peakRssMb.agent],
    ['zygote', (p) => p.peakRssMb.zygote],
    ['job', (p) => p.peakRssMb.job],
    ['client', (p) => p.peakRssMb.bench],
    ['disk MB', (p) => p.diskMb],
    ['B/job', (p) => p.diskBytesPerJob],
    ['files', (p) => p.stateFiles],
  ];
  const table = [
    cols.map(([h]) => h.padStart(Math.max(7, h.length + 1))).join(''),
    ...points.map((p) => cols.map(([h, f]) => String(f(p)).padStart(Math.max(7, h.length + 1))).join('')),
    'cpu/job: ms of CPU per job over the run (utime+stime from /proc), ours = workerd + agent + python (zygote and its forked jobs);',
    'client: this bench process (submit, waiting). rss: peak resident MB of the largest process of each kind, sampled every 50 ms;',
    `idle: workerd ${IDLE_MS / 1000} s after the last job. disk: the state dir after the run; B/job: its growth per job.`,
  ];
  return { figures: {}, table };
}

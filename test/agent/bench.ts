// End-to-end agent figures on the workloads the bench also runs on Ray (test/bench/ray.ts):
// `npx tsx test/agent/bench.ts [--python-zygote on|off]`.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON_ZYGOTE_DEFAULT, startAgent } from '../../worker-agent/src/agent';
import { resolvePython } from '../../worker-agent/src/process';
import type { JobSpecInput } from '../../control-plane/src/contract/jobs';
import { percentile, round } from '../bench/stats';
import { embeddedBridge, ROOT, sleep, startCluster, tmpdir, type Cluster } from './helpers';

/** The one job every workload runs, on both sides of the comparison with Ray. */
export const TRIVIAL_SOURCE = 'print("ok")\n';
const TRIVIAL = Buffer.from(TRIVIAL_SOURCE).toString('base64');
const job = (id: string, parents: string[] = []): JobSpecInput => ({ id, file: 'job.py', payloadB64: TRIVIAL, parents, maxRetries: 0 });
const ENDED = ['COMPLETED', 'DEAD', 'CANCELLED'];
const SINGLE_REPS = 30;
/** Each multi-job workload runs this many times and reports its median, as ray_bench.py does: one run moves with the machine. */
const WORKLOAD_REPS = 3;

/** The workloads compared with Ray, by the names ray_bench.py gives them. */
export interface Workloads {
  independent100_ms: number;
  chain20_ms: number;
  single_p50_ms: number;
  fan50_join_ms: number;
}

/**
 * Submit a DAG and wait until every job in it has ended; returns wall-clock ms. The client waits on
 * `GET /v1/dags/{id}/wait` (held by the control plane) as a user should, so no poll loads the
 * machine that runs what is measured.
 */
export async function timeDag(c: Cluster, name: string, jobs: JobSpecInput[]): Promise<number> {
  const t0 = performance.now();
  const { dag } = await c.client.submitDag({ name, jobs });
  for (;;) {
    const w = await c.client.waitDag(dag, 20_000);
    if (!w.ended) continue;
    const ms = performance.now() - t0;
    if ((w.counts.COMPLETED ?? 0) !== jobs.length) {
      const bad = (await c.client.getDag(dag)).jobs.find((j) => j.state !== 'COMPLETED')!;
      throw new Error(`${jobs.length - (w.counts.COMPLETED ?? 0)} job(s) did not complete, e.g. ${bad.id}: ${bad.state} ${bad.error}`);
    }
    return ms;
  }
}

/** One job outside any DAG, submit → COMPLETED as a client waiting on it sees it (GET /v1/jobs/{id}/wait: no polling). */
async function timeSingle(c: Cluster, id: string): Promise<number> {
  const t0 = performance.now();
  await c.client.submitJob(job(id));
  for (;;) {
    const j = (await c.client.waitJob(id, 20_000)).job;
    if (ENDED.includes(j.state)) {
      if (j.state !== 'COMPLETED') throw new Error(`${id}: ${j.state} ${j.error}`);
      return performance.now() - t0;
    }
  }
}

/**
 * The floor under one job on this agent, measured outside it (test/bench/job_body.py) with the
 * interpreter the agent resolves for its jobs: that interpreter's start-up (`python -c pass`), and
 * the job body, a warm child of the zygote running the script, from the job written to it until it
 * says how it ended (its fork happened ahead, off the job's path).
 */
export function pythonFloor(workdir: string): { python: string; startupMs: number; jobBodyMs: number } {
  const python = resolvePython(workdir);
  const jobFile = path.join(workdir, 'job.py');
  writeFileSync(jobFile, TRIVIAL_SOURCE);
  const r = spawnSync(python, [path.join(ROOT, 'test/bench/job_body.py'), path.join(ROOT, 'worker-agent/src/zygote/zygote.py'), jobFile], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`job_body.py failed: ${r.stderr || r.error?.message}`);
  const { startup_ms, job_body_ms } = JSON.parse(r.stdout) as { startup_ms: number; job_body_ms: number };
  return { python, startupMs: startup_ms, jobBodyMs: job_body_ms };
}

/** Median ms of WORKLOAD_REPS runs of a DAG; `jobs` makes each run's jobs from a prefix of its own (`${tag}${run}`). */
async function medianDag(c: Cluster, name: string, tag: string, jobs: (prefix: string) => JobSpecInput[]): Promise<number> {
  const ms: number[] = [];
  for (let r = 0; r < WORKLOAD_REPS; r++) ms.push(await timeDag(c, name, jobs(`${tag}${r}`)));
  return round(percentile(ms, 50), 1);
}
const independent100 = (p: string) => Array.from({ length: 100 }, (_, i) => job(`${p}-f${i}`));
const chain20 = (p: string) => Array.from({ length: 20 }, (_, i) => job(`${p}-c${i}`, i ? [`${p}-c${i - 1}`] : []));

/** Our side of the comparison: one agent with 4 slots, after one warm-up job (first fork, payload cache). */
export async function benchWorkloads(c: Cluster, tag = 'w'): Promise<Workloads> {
  await timeDag(c, 'warmup', [job(`${tag}-warm`)]);
  const independent = await medianDag(c, 'independent100', tag, independent100);
  const chain = await medianDag(c, 'chain20', tag, chain20);
  const singles: number[] = [];
  for (let i = 0; i < SINGLE_REPS; i++) singles.push(await timeSingle(c, `${tag}-s${i}`));
  const fanJoin = await medianDag(c, 'fan50_join', tag, (p) => {
    const fan = Array.from({ length: 50 }, (_, i) => job(`${p}-p${i}`));
    return [...fan, job(`${p}-join`, fan.map((j) => j.id!))];
  });
  return { independent100_ms: independent, chain20_ms: chain, single_p50_ms: round(percentile(singles, 50)), fan50_join_ms: fanJoin };
}

/** The figures to print, and the single agent's workloads for the comparison with Ray. */
export async function benchAgent(pythonZygote = PYTHON_ZYGOTE_DEFAULT): Promise<{ figures: Record<string, number | string>; workloads: Workloads }> {
  const out: Record<string, number | string> = { python_zygote: pythonZygote ? 1 : 0 };
  const floor = pythonFloor(tmpdir('bench-floor'));
  // Without the zygote every job is a fresh interpreter: its start-up (with the trivial run) is the body.
  const body = pythonZygote ? floor.jobBodyMs : floor.startupMs;
  out['python'] = floor.python;
  out['python_startup_ms'] = floor.startupMs;
  out['job_body_ms'] = floor.jobBodyMs;
  let workloads: Workloads | undefined;
  for (const agents of [1, 2]) {
    const c = await startCluster();
    const running = await Promise.all(
      Array.from({ length: agents }, (_, i) => startAgent({ url: c.url, token: c.agentToken, slots: 4, name: `bench-${i}`, workdir: tmpdir('bench'), log: () => {}, pythonZygote, startBridge: embeddedBridge })),
    );
    try {
      const tag = `${agents}agent${agents > 1 ? 's' : ''}x4`;
      const w = agents === 1 ? (workloads = await benchWorkloads(c)) : undefined;
      const flat = w?.independent100_ms ?? (await medianDag(c, 'flat', 'x', independent100));
      const chain = w?.chain20_ms ?? (await medianDag(c, 'chain', 'x', chain20));
      out[`independent100_${tag}_ms`] = Math.round(flat);
      out[`independent100_${tag}_jobs_per_s`] = round((100 / flat) * 1000, 1);
      out[`chain20_${tag}_ms`] = Math.round(chain);
      out[`chain20_${tag}_per_hop_ms`] = round(chain / 20, 1);
      // What orchestration adds to a hop: the hop less the job body (a warm child of the zygote
      // running the script, measured beside this run, job_body_ms). Jobs are forked, so the
      // interpreter's start-up is no part of a hop and is not what to take out. A hop runs the
      // body once in full, so it cannot take less than the body: a negative difference could only
      // be noise in the separately measured body, and the figure is bounded below at 0.
      out[`chain20_${tag}_overhead_per_hop_ms`] = round(Math.max(0, chain / 20 - body), 1);
      if (w) {
        out[`single_p50_${tag}_ms`] = w.single_p50_ms;
        out[`fan50_join_${tag}_ms`] = Math.round(w.fan50_join_ms);
      }
    } finally {
      await Promise.all(running.map((a) => a.stop(1000)));
      await c.stop();
    }
  }
  return { figures: out, workloads: workloads! };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const flag = process.argv.indexOf('--python-zygote');
  benchAgent(flag > 0 ? process.argv[flag + 1] !== 'off' : undefined).then(
    ({ figures }) => {
      for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(40)} ${v}`);
      process.exit(0);
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}

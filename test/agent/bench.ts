import { spawnSync } from 'node:child_process';
// End-to-end agent throughput: `npx tsx test/agent/bench.ts [--python-zygote on|off]`.
import { fileURLToPath } from 'node:url';
import { PYTHON_ZYGOTE_DEFAULT, startAgent } from '../../worker-agent/src/agent';
import type { JobSpecInput } from '../../control-plane/src/contract/jobs';
import { embeddedBridge, sleep, startCluster, tmpdir, type Cluster } from './helpers';

const TRIVIAL = Buffer.from('print("ok")\n').toString('base64');
const job = (id: string, parents: string[] = []): JobSpecInput => ({ id, file: 'job.py', payloadB64: TRIVIAL, parents, maxRetries: 0 });

/** Submit a DAG and wait until every job in it has ended; returns wall-clock ms. */
async function timeDag(c: Cluster, name: string, jobs: JobSpecInput[]): Promise<number> {
  const t0 = performance.now();
  const { dag } = await c.client.submitDag({ name, jobs });
  for (;;) {
    const view = await c.client.getDag(dag);
    const open = view.jobs.filter((j) => !['COMPLETED', 'DEAD', 'CANCELLED'].includes(j.state));
    if (!open.length) {
      const bad = view.jobs.filter((j) => j.state !== 'COMPLETED');
      if (bad.length) throw new Error(`${bad.length} job(s) did not complete, e.g. ${bad[0].id}: ${bad[0].state} ${bad[0].error}`);
      return performance.now() - t0;
    }
    await sleep(20);
  }
}

/** Median wall time of `python3 -c pass` here: the floor under every job, whatever the orchestrator. */
function pythonStartupMs(): number {
  const times: number[] = [];
  for (let i = 0; i < 9; i++) {
    const t0 = performance.now();
    spawnSync('python3', ['-c', 'pass']);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[4];
}

export async function benchAgent(pythonZygote = PYTHON_ZYGOTE_DEFAULT): Promise<Record<string, number>> {
  const out: Record<string, number> = { python_zygote: pythonZygote ? 1 : 0 };
  const py = pythonStartupMs();
  out['python3_startup_ms'] = Math.round(py);
  for (const agents of [1, 2]) {
    const c = await startCluster();
    const running = await Promise.all(
      Array.from({ length: agents }, (_, i) => startAgent({ url: c.url, token: c.agentToken, slots: 4, name: `bench-${i}`, workdir: tmpdir('bench'), log: () => {}, pythonZygote, startBridge: embeddedBridge })),
    );
    try {
      const tag = `${agents}agent${agents > 1 ? 's' : ''}x4`;
      await timeDag(c, 'warmup', [job('warm')]); // first python start, payload cache
      const flat = await timeDag(c, 'flat', Array.from({ length: 100 }, (_, i) => job(`f${i}`)));
      out[`independent100_${tag}_ms`] = Math.round(flat);
      out[`independent100_${tag}_jobs_per_s`] = Math.round((100 / flat) * 1000 * 10) / 10;
      const chain = await timeDag(c, 'chain', Array.from({ length: 20 }, (_, i) => job(`c${i}`, i ? [`c${i - 1}`] : [])));
      out[`chain20_${tag}_ms`] = Math.round(chain);
      out[`chain20_${tag}_per_hop_ms`] = Math.round(chain / 20);
      // What the orchestrator itself adds per step, with Python's own start-up taken out.
      out[`chain20_${tag}_overhead_per_hop_ms`] = Math.round(chain / 20 - py);
    } finally {
      await Promise.all(running.map((a) => a.stop(1000)));
      await c.stop();
    }
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const flag = process.argv.indexOf('--python-zygote');
  benchAgent(flag > 0 ? process.argv[flag + 1] !== 'off' : undefined).then(
    (r) => {
      for (const [k, v] of Object.entries(r)) console.log(`${k.padEnd(40)} ${v}`);
      process.exit(0);
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}

import { bigDag } from '../helpers/bigDag';
import { b64, startTestPlane } from '../helpers/controlPlane';
import { percentile, round, throughput } from './stats';

/**
 * Control-plane figures for the embedded runtime (Miniflare/workerd) on this machine:
 * pickup latency with a waiting agent, lease+complete cycles/s through one ClusterDO with
 * synthetic agents (no processes), and TitanStore ops/s.
 */
export async function benchControlPlane(): Promise<Record<string, number>> {
  const cp = await startTestPlane();
  const out: Record<string, number> = {};
  try {
    const payload = b64('print(1)');
    // --- pickup: submit → lease response, with the agent already long-polling.
    const a = (await cp.agent.registerAgent({ name: 'bench-pickup', capabilities: ['PICKUP'], slots: 1 })).agentId;
    const lat: number[] = [];
    for (let i = 0; i < 300; i++) {
      const poll = cp.agent.lease(a, { max: 1, waitMs: 10_000 });
      await new Promise((r) => setTimeout(r, 2)); // let the poll reach the DO
      const t0 = performance.now();
      await cp.client.submitJob({ id: `pick-${i}`, file: 'a.py', payloadB64: payload, requirement: 'PICKUP' });
      const got = await poll;
      lat.push(performance.now() - t0);
      await cp.agent.complete(a, got.leases.map((l) => ({ leaseId: l.leaseId, status: 'COMPLETED' as const, exitCode: 0 })));
    }
    const warm = lat.slice(20);
    out['pickup_p50_ms'] = round(percentile(warm, 50));
    out['pickup_p99_ms'] = round(percentile(warm, 99));

    // --- submit throughput (DAGs of 500 independent jobs).
    const N = 10_000;
    const t0 = performance.now();
    for (let d = 0; d < N / 500; d++) {
      await cp.client.submitDag({ jobs: Array.from({ length: 500 }, (_, i) => ({ id: `cyc-${d}-${i}`, file: 'a.py', payloadB64: payload, requirement: 'CYCLE' })) });
    }
    out['submit_jobs_per_s'] = Math.round(N / ((performance.now() - t0) / 1000));

    // --- lease+complete cycles: 8 synthetic agents, completions piggy-backed on the next lease.
    const agents = await Promise.all(Array.from({ length: 8 }, (_, i) => cp.agent.registerAgent({ name: `bench-cyc-${i}`, capabilities: ['CYCLE'], slots: 64 })));
    let done = 0;
    const t1 = performance.now();
    await Promise.all(
      agents.map(async ({ agentId }) => {
        let pending: { leaseId: string; status: 'COMPLETED'; exitCode: number }[] = [];
        for (;;) {
          const r = await cp.agent.lease(agentId, { max: 32, waitMs: 0, complete: pending });
          done += pending.length;
          pending = r.leases.map((l) => ({ leaseId: l.leaseId, status: 'COMPLETED' as const, exitCode: 0 }));
          if (!r.leases.length) break;
        }
      }),
    );
    out['lease_complete_cycles_per_s'] = Math.round(done / ((performance.now() - t1) / 1000));
    out['lease_complete_jobs'] = done;

    // --- one job per request (no batching), for comparison.
    await cp.client.submitDag({ jobs: Array.from({ length: 1000 }, (_, i) => ({ id: `single-${i}`, file: 'a.py', payloadB64: payload, requirement: 'SINGLE' })) });
    const singles = await Promise.all(Array.from({ length: 8 }, (_, i) => cp.agent.registerAgent({ name: `bench-single-${i}`, capabilities: ['SINGLE'], slots: 1 })));
    let sdone = 0;
    const t2 = performance.now();
    await Promise.all(
      singles.map(async ({ agentId }) => {
        for (;;) {
          const r = await cp.agent.lease(agentId, { max: 1, waitMs: 0 });
          if (!r.leases.length) break;
          await cp.agent.complete(agentId, [{ leaseId: r.leases[0].leaseId, status: 'COMPLETED', exitCode: 0 }]);
          sdone++;
        }
      }),
    );
    out['unbatched_cycles_per_s'] = Math.round(sdone / ((performance.now() - t2) / 1000));

    // --- one DAG at the size limit over HTTP (a wide fan-out and 10 chains of 100), then read back whole.
    const big = bigDag('dag10k', 10_000, payload, 'NOBODY');
    const t3 = performance.now();
    const { dag } = await cp.client.submitDag({ jobs: big.jobs });
    out['dag10k_submit_ms'] = Math.round(performance.now() - t3);
    const t4 = performance.now();
    const jobs = (await cp.client.getDag(dag)).jobs.length;
    out['dag10k_get_ms'] = Math.round(performance.now() - t4);
    if (jobs !== big.jobs.length) throw new Error(`the 10,000-job DAG came back with ${jobs} jobs`);

    // --- TitanStore through the Worker, 16 concurrent clients.
    out['store_put_per_s'] = Math.round(await throughput(5000, 16, (i) => cp.client.kvPut(`bench:${i % 500}`, `value-${i}`)));
    out['store_get_per_s'] = Math.round(await throughput(5000, 16, (i) => cp.client.kvGet(`bench:${i % 500}`)));
  } finally {
    await cp.dispose();
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchControlPlane());
}

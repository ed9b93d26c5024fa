/**
 * Self-extending graphs in workerd: a running job spawns children into its own DAG (one of them
 * spawns more), the DAG ends only when the grown graph has; limits and finished spawners refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { b64, startTestPlane, type TestPlane } from '../helpers/controlPlane';

let cp: TestPlane;
beforeAll(async () => {
  cp = await startTestPlane({ SPAWN_MAX_DEPTH: '2' });
});
afterAll(async () => cp?.dispose());

const code = { file: 'a.py', payloadB64: b64('pass') };

describe('self-extending graphs', () => {
  it('5 children, one of which spawns 2 more: all join the DAG, which ends COMPLETED only after all 8', { timeout: 30_000 }, async () => {
    const cap = 'SPAWNING';
    const { dag } = await cp.client.submitDag({ jobs: [{ id: 'crawl', ...code, requirement: cap }] });
    const { agentId } = await cp.agent.registerAgent({ name: 'spawn-agent', capabilities: [cap], slots: 8 });
    // Held until the grown graph has ended (not the submitted one), and answered as it does.
    const waiting = cp.client.waitDag(dag!, 25_000).then((view) => ({ view, at: Date.now() }));
    const lease = async () => (await cp.agent.lease(agentId, { max: 8, waitMs: 0 })).leases;
    const finish = (leaseId: string) => cp.agent.complete(agentId, [{ leaseId, status: 'COMPLETED', exitCode: 0 }]);
    const dagState = async () => {
      const jobs = (await cp.client.getDag(dag!)).jobs;
      return { n: jobs.length, done: jobs.every((j) => j.state === 'COMPLETED') };
    };

    const [root] = await lease();
    const pages = await cp.client.call('spawnJobs', {
      params: { id: 'crawl' },
      body: { jobs: Array.from({ length: 5 }, (_, i) => ({ id: `page-${i}`, ...code, requirement: cap })) },
    });
    expect(pages.dag).toBe(dag); // into the spawner's own DAG
    expect((await cp.client.getDag(dag!)).edges).toContainEqual(['crawl', 'page-0']);
    await finish(root!.leaseId);
    expect(await dagState()).toEqual({ n: 6, done: false });

    const running = await lease();
    expect(running.map((l) => l.job.id).sort()).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
    await cp.client.call('spawnJobs', { params: { id: 'page-0' }, body: { jobs: [{ id: 'deep-a', ...code, requirement: cap }, { id: 'deep-b', ...code, requirement: cap, parents: ['deep-a'] }] } });
    // Depth 2 is the limit here: a job spawned by page-0 is 2 deep and may not spawn further once running.
    for (const l of running) await finish(l.leaseId);
    expect(await dagState()).toEqual({ n: 8, done: false }); // the DAG is not done while the grown part runs
    const [deepA] = await lease();
    await expect(cp.client.call('spawnJobs', { params: { id: 'deep-a' }, body: { jobs: [{ id: 'too-deep', ...code }] } })).rejects.toThrow(/spawn depth limit 2 reached: deep-a is 2 spawns deep/);
    await finish(deepA!.leaseId);
    const [deepB] = await lease();
    const lastEnd = Date.now();
    await finish(deepB!.leaseId);
    expect(await dagState()).toEqual({ n: 8, done: true });
    const answer = await waiting;
    expect(answer.view).toMatchObject({ ended: true, counts: { COMPLETED: 8 } });
    expect(answer.at - lastEnd).toBeLessThan(5_000);
    // A finished job cannot spawn; nothing of a refused spawn is stored.
    await expect(cp.client.call('spawnJobs', { params: { id: 'crawl' }, body: { jobs: [{ id: 'late', ...code }] } })).rejects.toThrow(/job crawl is not running \(it is COMPLETED\)/);
    await expect(cp.client.getJob('late')).rejects.toThrow(/no job/);
    await expect(cp.client.getJob('too-deep')).rejects.toThrow(/no job/);
  });
});

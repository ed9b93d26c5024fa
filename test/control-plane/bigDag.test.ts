// A DAG at the size limit (LIMITS.maxDagJobs) is taken over HTTP and stored whole; one more job is refused.
// Running 10,000 jobs is the bench's scale curve (`npm run bench`), too slow for a test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../control-plane/src/contract/common';
import { TitanApiError } from '../../sdk/ts/client';
import { bigDag } from '../helpers/bigDag';
import { b64, startTestPlane, type TestPlane } from '../helpers/controlPlane';

let cp: TestPlane;
beforeAll(async () => {
  cp = await startTestPlane();
});
afterAll(async () => cp?.dispose());

// No agent offers it: the DAG stays as submitted while the test reads it.
const REQUIREMENT = 'BIG_DAG_NOBODY';
const payload = b64('print("ok")\n');

describe('a DAG of 10,000 jobs', () => {
  it('is accepted over HTTP and stored whole: every job, every edge, the root queued and the rest pending', { timeout: 120_000 }, async () => {
    expect(LIMITS.maxDagJobs).toBeGreaterThanOrEqual(10_000);
    const { jobs, edges } = bigDag('big', 10_000, payload, REQUIREMENT);
    const { dag, jobs: ids } = await cp.client.submitDag({ name: 'big', jobs });
    expect(ids).toHaveLength(10_000);
    expect(new Set(ids)).toEqual(new Set(jobs.map((j) => j.id)));

    const view = await cp.client.getDag(dag);
    expect(view.jobs).toHaveLength(10_000);
    expect(view.edges).toHaveLength(edges);
    const has = (parent: string, child: string) => view.edges.some(([p, c]) => p === parent && c === child);
    expect(has('big-root', 'big-w8998') && has('big-c9-98', 'big-c9-99')).toBe(true);
    expect(view.edges.filter(([p]) => p === 'big-root')).toHaveLength(8_999);
    // Roots (the fan-out's and each chain's head) are queued; everything under them waits.
    const queued = view.jobs.filter((j) => j.state === 'QUEUED').map((j) => j.id);
    expect(queued.sort()).toEqual(['big-root', ...Array.from({ length: 10 }, (_, c) => `big-c${c}-0`)].sort());
    expect(view.jobs.filter((j) => j.state === 'PENDING')).toHaveLength(10_000 - 11);

    const listed = (await cp.client.listDags({ limit: 5 })).dags.find((d) => d.id === dag)!;
    expect(listed.counts).toEqual({ QUEUED: 11, PENDING: 9_989 });
    const one = (await cp.client.getJob('big-c3-50')).job;
    expect(one).toMatchObject({ dag, state: 'PENDING', parents: ['big-c3-49'], requirement: REQUIREMENT });
  });

  it('one job over the limit is refused with a clear message, and nothing of it is stored', async () => {
    const { jobs } = bigDag('over', LIMITS.maxDagJobs + 1, payload, REQUIREMENT);
    const before = (await cp.client.listDags({ limit: 500 })).dags.length;
    const err = await cp.client.submitDag({ jobs }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TitanApiError);
    expect((err as TitanApiError).status).toBe(400);
    expect((err as TitanApiError).message).toMatch(new RegExp(`${LIMITS.maxDagJobs}`));
    expect((await cp.client.listDags({ limit: 500 })).dags).toHaveLength(before);
    expect(await cp.client.findJob('over-root')).toBeNull();
  });
});

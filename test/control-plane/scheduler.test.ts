import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TitanApiError } from '../../sdk/ts/client';
import { b64, startTestPlane, waitFor, type TestPlane } from '../helpers/controlPlane';

let cp: TestPlane;
beforeAll(async () => {
  cp = await startTestPlane({ LEASE_TTL_MS: '2500', HEARTBEAT_MS: '300', RETRY_BASE_MS: '50', RETRY_CAP_MS: '200' });
});
afterAll(async () => cp?.dispose());

let n = 0;
const uid = (p: string) => `${p}-${++n}-${Math.random().toString(36).slice(2, 7)}`;
const job = (id: string, extra: Record<string, unknown> = {}) => ({ id, file: 'x.py', payloadB64: b64('print(1)'), ...extra });
const register = async (caps: string[] = [], slots = 8, name = uid('agent')) => (await cp.agent.registerAgent({ name, capabilities: caps, slots })).agentId;
const state = async (id: string) => (await cp.client.getJob(id)).job;

describe('scheduler (ClusterDO in workerd)', () => {
  it('leases by priority, then age; holds delayed jobs until their time', async () => {
    const tag = uid('ORD').toUpperCase().replace(/-/g, '_');
    const [lo, hiOld, hiNew, late] = ['lo', 'hi1', 'hi2', 'late'].map((p) => uid(p));
    await cp.client.submitJob(job(lo, { priority: 1, requirement: tag }));
    await cp.client.submitJob(job(hiOld, { priority: 5, requirement: tag }));
    await cp.client.submitJob(job(hiNew, { priority: 5, requirement: tag }));
    await cp.client.submitJob(job(late, { priority: 100, delayMs: 700, requirement: tag }));
    const a = await register([tag]);
    const first = await cp.agent.lease(a, { max: 10, waitMs: 0 });
    expect(first.leases.map((l) => l.job.id)).toEqual([hiOld, hiNew, lo]);
    expect((await state(late)).status).toBe('PENDING');
    const second = await cp.agent.lease(a, { max: 10, waitMs: 5000 });
    expect(second.leases.map((l) => l.job.id)).toEqual([late]);
    // It became ready no earlier than its delay, whatever the machine's speed.
    const j = await state(late);
    expect(j.history!.find((h) => h.state === 'QUEUED')!.ts - j.createdAt).toBeGreaterThanOrEqual(700);
  });

  it('wakes a waiting long-poll at once when a job is enqueued', async () => {
    const tag = uid('WAKE').toUpperCase().replace(/-/g, '_');
    const a = await register([tag]);
    const poll = cp.agent.lease(a, { max: 1, waitMs: 20_000 });
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    const id = uid('wake');
    await cp.client.submitJob(job(id, { requirement: tag }));
    const got = await poll;
    expect(got.leases[0].job.id).toBe(id);
    expect(Date.now() - t0).toBeLessThan(10_000); // woken by the enqueue, not by its 20 s timeout
  });

  it('never leases a GPU job to a GENERAL-only agent, and it does not block other work', async () => {
    const gpuJob = uid('gpu');
    const cpuJob = uid('cpu');
    await cp.client.submitJob(job(gpuJob, { requirement: 'GPU', priority: 1000 }));
    await cp.client.submitJob(job(cpuJob));
    const general = await register([]);
    const got = await cp.agent.lease(general, { max: 50, waitMs: 0 });
    expect(got.leases.map((l) => l.job.id)).not.toContain(gpuJob);
    expect(got.leases.map((l) => l.job.id)).toContain(cpuJob);
    expect((await state(gpuJob)).status).toBe('PENDING');
    const gpu = await register(['GPU']);
    const g = await cp.agent.lease(gpu, { max: 50, waitMs: 0 });
    expect(g.leases.map((l) => l.job.id)).toContain(gpuJob);
    for (const l of [...got.leases, ...g.leases]) await cp.agent.complete(l.job.id === gpuJob ? gpu : general, [{ leaseId: l.leaseId, status: 'COMPLETED', exitCode: 0 }]);
  });

  it('runs a DAG in dependency order', async () => {
    const tag = uid('DAG').toUpperCase().replace(/-/g, '_');
    const [A, B, C, D] = ['A', 'B', 'C', 'D'].map((p) => uid(p));
    const r = await cp.client.submitDag({
      name: 'diamond',
      jobs: [job(D, { parents: [B, C], requirement: tag }), job(B, { parents: [A], requirement: tag }), job(C, { parents: [A], requirement: tag }), job(A, { requirement: tag })],
    });
    expect(r.jobs[0]).toBe(A);
    const a = await register([tag]);
    const order: string[][] = [];
    for (let i = 0; i < 3; i++) {
      const got = await cp.agent.lease(a, { max: 10, waitMs: 2000 });
      order.push(got.leases.map((l) => l.job.id).sort());
      await cp.agent.complete(a, got.leases.map((l) => ({ leaseId: l.leaseId, status: 'COMPLETED' as const, exitCode: 0 })));
    }
    expect(order).toEqual([[A], [B, C].sort(), [D]]);
    const dag = await cp.client.getDag(r.dag);
    expect(dag.name).toBe('diamond');
    expect(dag.edges).toHaveLength(4);
    expect(dag.jobs.every((j) => j.status === 'COMPLETED')).toBe(true);
  });

  it('re-queues a job whose lease expired, counts the attempt, and refuses the stale lease', async () => {
    const tag = uid('EXP').toUpperCase().replace(/-/g, '_');
    const id = uid('exp');
    await cp.client.submitJob(job(id, { requirement: tag }));
    const dead = await register([tag]);
    const l1 = (await cp.agent.lease(dead, { max: 1, waitMs: 0 })).leases[0];
    expect(l1.job.id).toBe(id);
    await waitFor(async () => (await state(id)).state === 'QUEUED', 10_000);
    const j = await state(id);
    expect(j.attempts).toBe(1);
    expect(j.history!.some((h) => h.note?.includes('lease expired'))).toBe(true);
    const other = await register([tag]);
    const l2 = (await cp.agent.lease(other, { max: 1, waitMs: 2000 })).leases[0];
    expect(l2.job.id).toBe(id);
    expect(l2.job.attempt).toBe(2);
    const stale = await cp.agent.complete(dead, [{ leaseId: l1.leaseId, status: 'COMPLETED', exitCode: 0 }]);
    expect(stale.acks[0]).toMatchObject({ accepted: false });
    expect((await state(id)).state).toBe('RUNNING');
    await cp.agent.complete(other, [{ leaseId: l2.leaseId, status: 'COMPLETED', exitCode: 0 }]);
  });

  it('keeps a lease alive with heartbeats', async () => {
    const tag = uid('HB').toUpperCase().replace(/-/g, '_');
    const id = uid('hb');
    await cp.client.submitJob(job(id, { requirement: tag }));
    const a = await register([tag]);
    const l = (await cp.agent.lease(a, { max: 1, waitMs: 0 })).leases[0];
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 400));
      const hb = await cp.agent.heartbeat(a, { leases: [l.leaseId] });
      expect(hb.lost).toEqual([]);
    }
    expect((await state(id)).state).toBe('RUNNING');
    expect((await cp.agent.heartbeat(a, { leases: ['Lnonexistent'] })).lost).toEqual(['Lnonexistent']);
    await cp.agent.complete(a, [{ leaseId: l.leaseId, status: 'COMPLETED', exitCode: 0 }]);
  });

  it('records a completion once, however often it is reported', async () => {
    const tag = uid('IDEM').toUpperCase().replace(/-/g, '_');
    const id = uid('idem');
    await cp.client.submitJob(job(id, { requirement: tag }));
    const a = await register([tag]);
    const l = (await cp.agent.lease(a, { max: 1, waitMs: 0 })).leases[0];
    const r1 = await cp.agent.complete(a, [{ leaseId: l.leaseId, status: 'COMPLETED', exitCode: 0 }]);
    const r2 = await cp.agent.complete(a, [{ leaseId: l.leaseId, status: 'FAILED', exitCode: 1 }]);
    const r3 = await cp.agent.lease(a, { max: 1, waitMs: 0, complete: [{ leaseId: l.leaseId, status: 'COMPLETED', exitCode: 0 }] });
    expect([r1.acks[0].accepted, r2.acks[0].accepted, r3.acks[0].accepted]).toEqual([true, true, true]);
    const j = await state(id);
    expect(j.state).toBe('COMPLETED');
    expect(j.history!.filter((h) => h.state === 'COMPLETED')).toHaveLength(1);
  });

  it('retries a failing job with backoff and ends it DEAD (FAILED to users)', async () => {
    const tag = uid('RETRY').toUpperCase().replace(/-/g, '_');
    const id = uid('retry');
    await cp.client.submitJob(job(id, { requirement: tag, maxRetries: 2 }));
    const a = await register([tag]);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const l = (await cp.agent.lease(a, { max: 1, waitMs: 5000 })).leases[0];
      expect(l?.job.attempt).toBe(attempt);
      await cp.agent.complete(a, [{ leaseId: l.leaseId, status: 'FAILED', exitCode: 2 }]);
      if (attempt < 3) expect((await state(id)).status).toBe('PENDING');
    }
    const j = await state(id);
    expect(j.state).toBe('DEAD');
    expect(j.status).toBe('FAILED');
    expect(j.attempts).toBe(3);
    expect(j.exitCode).toBe(2);
  });

  it('cancels the descendants of a job that died, and sends cancel orders to running ones', async () => {
    const tag = uid('CASC').toUpperCase().replace(/-/g, '_');
    const [A, B, C, S] = ['A', 'B', 'C', 'S'].map((p) => uid(p));
    await cp.client.submitDag({ jobs: [job(A, { requirement: tag, maxRetries: 0 }), job(B, { parents: [A], requirement: tag }), job(C, { parents: [B], requirement: tag })] });
    const a = await register([tag]);
    const l = (await cp.agent.lease(a, { max: 1, waitMs: 0 })).leases[0];
    await cp.agent.complete(a, [{ leaseId: l.leaseId, status: 'FAILED', exitCode: 1 }]);
    expect((await state(A)).status).toBe('FAILED');
    expect((await state(B)).status).toBe('CANCELLED');
    expect((await state(C)).status).toBe('CANCELLED');

    await cp.client.submitJob(job(S, { requirement: tag }));
    const ls = (await cp.agent.lease(a, { max: 1, waitMs: 0 })).leases[0];
    const cancelled = await cp.client.cancelJob(S);
    expect(cancelled.job.status).toBe('CANCELLED');
    const hb = await cp.agent.heartbeat(a, { leases: [ls.leaseId] });
    expect(hb.orders).toEqual([{ leaseId: ls.leaseId, jobId: S, action: 'cancel' }]);
    await cp.agent.complete(a, [{ leaseId: ls.leaseId, status: 'CANCELLED', exitCode: null }]);
    expect((await state(S)).state).toBe('CANCELLED');
    await expect(cp.client.cancelJob(uid('nope'))).rejects.toMatchObject({ status: 404 });
  });

  it('treats a running service as satisfying its children, and stops it on order', async () => {
    const tag = uid('SVC').toUpperCase().replace(/-/g, '_');
    const [S, child] = [uid('svc'), uid('client')];
    await cp.client.submitDag({ jobs: [job(S, { type: 'SERVICE', port: 8000, requirement: tag }), job(child, { parents: [S], requirement: tag })] });
    const a = await register([tag]);
    const l = (await cp.agent.lease(a, { max: 1, waitMs: 0 })).leases[0];
    expect(l.job).toMatchObject({ type: 'SERVICE', port: 8000 });
    expect((await cp.agent.lease(a, { max: 5, waitMs: 0 })).leases).toHaveLength(0);
    await cp.agent.heartbeat(a, { leases: [l.leaseId], services: [{ leaseId: l.leaseId, state: 'running', restarts: 0 }] });
    const lc = (await cp.agent.lease(a, { max: 5, waitMs: 1000 })).leases;
    expect(lc.map((x) => x.job.id)).toEqual([child]);
    await cp.agent.complete(a, [{ leaseId: lc[0].leaseId, status: 'COMPLETED', exitCode: 0 }]);
    expect((await cp.client.stats()).services.map((s) => s.id)).toContain(S);
    await cp.client.stopService(S);
    const hb = await cp.agent.heartbeat(a, { leases: [l.leaseId] });
    expect(hb.orders[0]).toMatchObject({ action: 'stop', jobId: S });
    await cp.agent.complete(a, [{ leaseId: l.leaseId, status: 'STOPPED', exitCode: null }]);
    expect((await state(S)).state).toBe('COMPLETED');
    await expect(cp.client.stopService(child)).rejects.toMatchObject({ status: 404 });
  });

  it('re-queues what a restarted agent held when it registers again under its name', async () => {
    const tag = uid('RESTART').toUpperCase().replace(/-/g, '_');
    const id = uid('held');
    const name = uid('box');
    await cp.client.submitJob(job(id, { requirement: tag }));
    const a1 = await register([tag], 2, name);
    await cp.agent.lease(a1, { max: 1, waitMs: 0 });
    const again = await cp.agent.registerAgent({ name, capabilities: [tag], slots: 2 });
    expect(again.requeued).toEqual([id]);
    expect((await state(id)).state).toBe('QUEUED');
    await expect(cp.agent.lease(a1, { max: 1, waitMs: 0 })).rejects.toBeInstanceOf(TitanApiError);
    const l = (await cp.agent.lease(again.agentId, { max: 1, waitMs: 0 })).leases[0];
    expect(l.job.id).toBe(id);
  });

  it('starts a new run when an ended id is submitted again, and refuses an active one', async () => {
    const tag = uid('RERUN').toUpperCase().replace(/-/g, '_');
    const id = uid('rerun');
    await cp.client.submitJob(job(id, { requirement: tag }));
    await expect(cp.client.submitJob(job(id, { requirement: tag }))).rejects.toMatchObject({ status: 409, message: `job ${id} is still active` });
    const a = await register([tag]);
    const l = (await cp.agent.lease(a, { max: 1, waitMs: 0 })).leases[0];
    await cp.agent.complete(a, [{ leaseId: l.leaseId, status: 'COMPLETED', exitCode: 0 }]);
    const again = await cp.client.submitJob(job(id, { requirement: tag }));
    expect(again.job).toMatchObject({ run: 2, status: 'PENDING', attempts: 0 });
  });

  it('lists agents with capabilities, load and last seen', async () => {
    const name = uid('lister');
    const id = await register(['gpu', 'HIGH_MEM'], 3, name);
    const a = (await cp.client.listAgents()).agents.find((x) => x.id === id)!;
    expect(a).toMatchObject({ name, slots: 3, running: 0, alive: true, ephemeral: false });
    expect(a.capabilities.sort()).toEqual(['GENERAL', 'GPU', 'HIGH_MEM']);
    await cp.agent.deregister(id);
    expect((await cp.client.listAgents()).agents.find((x) => x.id === id)?.alive).toBe(false);
  });

  it('stamps an agent seen at most once a second, however often it polls (core/lastSeen)', async () => {
    const id = await register();
    const seen = async () => (await cp.client.listAgents()).agents.find((x) => x.id === id)!.lastSeen;
    const registered = await seen();
    for (let i = 0; i < 5; i++) await cp.agent.lease(id, { max: 1, waitMs: 0 });
    await cp.agent.heartbeat(id, { leases: [] });
    expect(await seen()).toBe(registered); // within the second: nothing written
    await new Promise((r) => setTimeout(r, 1_100));
    await cp.agent.lease(id, { max: 1, waitMs: 0 });
    const later = await seen();
    expect(later).toBeGreaterThanOrEqual(registered + 1_000);
    expect((await cp.client.listAgents()).agents.find((x) => x.id === id)!.alive).toBe(true);
    await cp.agent.deregister(id);
  });
});

describe('retention', () => {
  it('forgets ended jobs, their history and emptied DAGs after JOB_RETENTION_MS, keeps active ones', async () => {
    const short = await startTestPlane({ JOB_RETENTION_MS: '800' });
    try {
      await short.client.submitDag({ jobs: [job('old-a'), job('old-b', { parents: ['old-a'] })] });
      const a = (await short.agent.registerAgent({ name: 'ret', slots: 1, capabilities: [] })).agentId;
      const l = (await short.agent.lease(a, { max: 1, waitMs: 0 })).leases[0];
      await short.agent.complete(a, [{ leaseId: l.leaseId, status: 'COMPLETED', exitCode: 0 }]);
      await short.client.cancelJob('old-b');
      await short.client.submitJob(job('still-queued', { requirement: 'NOBODY' }));
      // Each job goes once its own retention has passed.
      await waitFor(async () => (await short.client.findJob('old-a')) === null && (await short.client.findJob('old-b')) === null, 10_000);
      expect((await short.client.listDags()).dags).toHaveLength(0);
      expect((await short.client.getJob('still-queued')).job.status).toBe('PENDING');
    } finally {
      await short.dispose();
    }
  });
});

describe('retry', () => {
  it('re-runs a failed job and the descendants its failure cancelled; completed work stays', async () => {
    const tag = uid('RETRYDAG').toUpperCase().replace(/-/g, '_');
    const [A, B, C, D, E] = ['A', 'B', 'C', 'D', 'E'].map((p) => uid(p));
    // A → B (fails) → C → D, and A → E which completes.
    await cp.client.submitDag({
      jobs: [job(A, { requirement: tag }), job(B, { parents: [A], requirement: tag, maxRetries: 0 }), job(C, { parents: [B], requirement: tag }), job(D, { parents: [C], requirement: tag }), job(E, { parents: [A], requirement: tag })],
    });
    const a = await register([tag]);
    const finish = async (status: 'COMPLETED' | 'FAILED') => {
      const l = (await cp.agent.lease(a, { max: 1, waitMs: 2000 })).leases[0];
      await cp.agent.complete(a, [{ leaseId: l.leaseId, status, exitCode: status === 'COMPLETED' ? 0 : 1 }]);
      return l.job.id;
    };
    expect(await finish('COMPLETED')).toBe(A);
    const leased = (await cp.agent.lease(a, { max: 2, waitMs: 2000 })).leases;
    for (const l of leased) await cp.agent.complete(a, [{ leaseId: l.leaseId, status: l.job.id === B ? 'FAILED' : 'COMPLETED', exitCode: l.job.id === B ? 1 : 0 }]);
    expect([(await state(B)).status, (await state(C)).status, (await state(D)).status, (await state(E)).status]).toEqual(['FAILED', 'CANCELLED', 'CANCELLED', 'COMPLETED']);

    const r = await cp.client.retryJob(B);
    expect(r.job).toMatchObject({ run: 2, status: 'PENDING' });
    expect((await state(C)).run).toBe(2);
    expect((await state(E)).run).toBe(1);
    for (const expected of [B, C, D]) expect(await finish('COMPLETED')).toBe(expected);
    expect([(await state(B)).status, (await state(C)).status, (await state(D)).status]).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    await expect(cp.client.retryJob(B)).resolves.toBeTruthy(); // an ended job may always run again
  });

  it('runs a job beside one outside its DAG (affinityTo): on that agent, else on one of its host that offers the capability', async () => {
    const tag = uid('NEAR').toUpperCase().replace(/-/g, '_');
    const gpuTag = `${tag}_GPU`;
    const on = async (caps: string[], host: string) => (await cp.agent.registerAgent({ name: uid('agent'), capabilities: caps, slots: 4, info: { host } })).agentId;
    const cpuA = await on([tag], 'box-a');
    const upstream = uid('extract');
    await cp.client.submitJob(job(upstream, { requirement: tag }));
    const first = await cp.agent.lease(cpuA, { max: 1, waitMs: 0 });
    expect(first.leases.map((l) => l.job.id)).toEqual([upstream]);
    await cp.agent.complete(cpuA, [{ leaseId: first.leases[0].leaseId, status: 'COMPLETED', exitCode: 0 }]);

    // Unknown target: refused with its reason, nothing stored.
    const stray = uid('stray');
    await expect(cp.client.submitJob(job(stray, { affinityTo: uid('nothing') }))).rejects.toThrow(/affinity to unknown job/);
    await expect(cp.client.getJob(stray)).rejects.toThrow();

    // Same capability: held for the agent that ran the upstream job, not given to another one.
    const gpuB = await on([tag, gpuTag], 'box-b');
    const beside = uid('beside');
    await cp.client.submitJob(job(beside, { requirement: tag, affinityTo: upstream }));
    expect((await cp.agent.lease(gpuB, { max: 4, waitMs: 0 })).leases).toEqual([]);
    const mine = await cp.agent.lease(cpuA, { max: 4, waitMs: 0 });
    expect(mine.leases.map((l) => l.job.id)).toEqual([beside]);

    // A capability that agent lacks (the GPU step after a CPU step): an agent of the same host, before one elsewhere.
    const gpuA = await on([tag, gpuTag], 'box-a');
    const train = uid('train');
    await cp.client.submitJob(job(train, { requirement: gpuTag, affinityTo: upstream }));
    expect((await cp.agent.lease(gpuB, { max: 4, waitMs: 0 })).leases).toEqual([]);
    const near = await cp.agent.lease(gpuA, { max: 4, waitMs: 0 });
    expect(near.leases.map((l) => l.job.id)).toEqual([train]);
    expect((await state(train)).affinityTo).toBe(upstream);
    for (const [a, l] of [[cpuA, mine.leases[0]], [gpuA, near.leases[0]]] as const) await cp.agent.complete(a, [{ leaseId: l.leaseId, status: 'COMPLETED', exitCode: 0 }]);
  });

  it('waitJob holds a client until the job ends (a result, a cancel), or answers the job as it is when the wait runs out', async () => {
    const tag = uid('WAIT').toUpperCase().replace(/-/g, '_');
    const a = await register([tag]);
    const done = uid('done');
    await cp.client.submitJob(job(done, { requirement: tag }));
    const [lease] = (await cp.agent.lease(a, { max: 1, waitMs: 0 })).leases;
    const held = cp.client.waitJob(done, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    await cp.agent.complete(a, [{ leaseId: lease.leaseId, status: 'COMPLETED', exitCode: 0 }]);
    const ended = await held;
    expect(ended.job.status).toBe('COMPLETED');
    expect(Date.now() - t0).toBeLessThan(5_000); // answered by the result, not by the 20 s wait
    expect((await cp.client.waitJob(done, 20_000)).job.status).toBe('COMPLETED'); // already ended: at once

    const quiet = uid('quiet');
    await cp.client.submitJob(job(quiet, { requirement: `${tag}_NOBODY` }));
    const t1 = Date.now();
    expect((await cp.client.waitJob(quiet, 400)).job.status).toBe('PENDING');
    expect(Date.now() - t1).toBeGreaterThanOrEqual(350);
    const cancelled = cp.client.waitJob(quiet, 20_000);
    await cp.client.cancelJob(quiet);
    expect((await cancelled).job.status).toBe('CANCELLED');
    await expect(cp.client.waitJob(uid('nosuch'), 20_000)).rejects.toThrow(/no job/);
  });

  it('waitDag holds a client until every job of the DAG has ended, or answers the counts when the wait runs out', async () => {
    const tag = uid('WDAG').toUpperCase().replace(/-/g, '_');
    const [A, B] = ['A', 'B'].map((p) => uid(p));
    const { dag } = await cp.client.submitDag({ jobs: [job(A, { requirement: tag }), job(B, { requirement: tag, parents: [A] })] });
    const early = await cp.client.waitDag(dag, 200);
    expect(early.ended).toBe(false);
    expect(early.counts).toMatchObject({ QUEUED: 1, PENDING: 1 });
    const held = cp.client.waitDag(dag, 20_000);
    const a = await register([tag]);
    for (let i = 0; i < 2; i++) {
      const got = await cp.agent.lease(a, { max: 1, waitMs: 5000 });
      await cp.agent.complete(a, got.leases.map((l) => ({ leaseId: l.leaseId, status: 'COMPLETED' as const, exitCode: 0 })));
    }
    const t0 = Date.now();
    const ended = await held;
    expect(ended).toMatchObject({ id: dag, ended: true, counts: { COMPLETED: 2 } });
    expect(Date.now() - t0).toBeLessThan(5_000);
    await expect(cp.client.waitDag('dag-nosuch', 1000)).rejects.toThrow(/no DAG/);
  });

  it('waitDag answers as the last job ends, through a retried failure and a cancel, and again after the DAG is retried', async () => {
    const tag = uid('WDAG2').toUpperCase().replace(/-/g, '_');
    const [A, B, C] = ['A', 'B', 'C'].map((p) => uid(p));
    const { dag } = await cp.client.submitDag({ jobs: [job(A, { requirement: tag, maxRetries: 1 }), job(B, { requirement: tag, parents: [A] }), job(C, { requirement: tag })] });
    const a = await register([tag]);
    // One lease, of the job that must come next (or of one of those that may).
    const leaseOne = async (...ids: string[]) => {
      const l = (await waitFor(async () => (await cp.agent.lease(a, { max: 1, waitMs: 2000 })).leases[0]))!;
      expect(ids).toContain(l.job.id);
      return { id: l.job.id, leaseId: l.leaseId };
    };
    const finish = ({ leaseId }: { leaseId: string }, status: 'COMPLETED' | 'FAILED') => cp.agent.complete(a, [{ leaseId, status, exitCode: status === 'COMPLETED' ? 0 : 1 }]);
    // An answer within 5 s of a 15 s wait: the end was seen as it happened, not found at the timeout.
    const timedWait = async () => {
      const held = cp.client.waitDag(dag, 15_000);
      return async () => {
        const t0 = Date.now();
        const v = await held;
        expect(Date.now() - t0).toBeLessThan(5_000);
        return v;
      };
    };
    const first = await timedWait();
    // A and C are both ready; which one is leased first is not this test's concern.
    const both = [await leaseOne(A, C), await leaseOne(A, C)];
    expect(new Set(both.map((l) => l.id))).toEqual(new Set([A, C]));
    for (const l of both) await finish(l, l.id === A ? 'FAILED' : 'COMPLETED'); // A is retried: the DAG stays open
    await finish(await leaseOne(A), 'COMPLETED');
    expect((await cp.client.waitDag(dag, 0)).ended).toBe(false);
    await cp.client.cancelJob(B);
    expect(await first()).toMatchObject({ ended: true, counts: { COMPLETED: 2, CANCELLED: 1 } });

    await cp.client.call('retryDag', { params: { id: dag } }); // B runs again: open once more
    expect((await cp.client.waitDag(dag, 300)).ended).toBe(false);
    const second = await timedWait();
    await finish(await leaseOne(B), 'COMPLETED');
    expect(await second()).toMatchObject({ ended: true, counts: { COMPLETED: 3 } });
  });
});

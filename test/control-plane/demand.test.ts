/**
 * Demand in workerd: GET /v1/demand (and stats.demand) per capability and resource shape, the
 * reservation of resources asked at lease time, and the signed webhook that fires when a group
 * becomes backlogged and when it clears, POSTed to a real local HTTP server.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemandWebhook } from '../../control-plane/src/contract/resources';
import { b64, startTestPlane, waitFor, type TestPlane } from '../helpers/controlPlane';

const SECRET = 'hook-secret';
const hooks: { body: string; signature: string | undefined; event: string | undefined }[] = [];
let server: http.Server;
let cp: TestPlane;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooks.push({ body, signature: req.headers['x-titan-signature'] as string | undefined, event: req.headers['x-titan-event'] as string | undefined });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  cp = await startTestPlane({ DEMAND_WEBHOOK_URL: url, DEMAND_WEBHOOK_SECRET: SECRET, DEMAND_BACKLOG_JOBS: '2', DEMAND_BACKLOG_MS: '400', RESERVE_AFTER_MS: '300' });
});
afterAll(async () => {
  await cp?.dispose();
  server?.close();
});

const gpu = (index: number) => ({ index, uuid: `GPU-${index}`, model: 'Stand-in', memoryMb: 24_576 });

describe('demand', () => {
  it('reports the queue per shape, fires a signed demand.high when it backs up and demand.low when it clears', { timeout: 60_000 }, async () => {
    const tag = 'BURST';
    const ids = ['b1', 'b2', 'b3'];
    for (const id of ids) await cp.client.submitJob({ id, file: 'a.py', payloadB64: b64('pass'), requirement: tag, gpus: 2 });
    await cp.client.submitJob({ id: 'b-small', file: 'a.py', payloadB64: b64('pass'), requirement: tag });

    const d = await waitFor(async () => {
      const r = await cp.client.call('demand', {});
      return r.backlogged && r;
    }, 10_000);
    const big = d.groups.find((g) => g.requirement === tag && g.gpus === 2)!;
    expect(big).toMatchObject({ queued: 3, running: 0, placeable: false, backlogged: true });
    expect(big.oldestWaitMs).toBeGreaterThanOrEqual(400);
    expect(d.groups.find((g) => g.requirement === tag && g.gpus === 0)).toMatchObject({ queued: 1, backlogged: false }); // below 2 jobs
    expect((await cp.client.stats()).demand.groups.some((g) => g.requirement === tag && g.backlogged)).toBe(true);

    const high = await waitFor(async () => hooks.find((h) => h.event === 'demand.high'), 10_000);
    expect(high.signature).toBe(`sha256=${createHmac('sha256', SECRET).update(high.body).digest('hex')}`);
    const body = JSON.parse(high.body) as DemandWebhook;
    expect(body).toMatchObject({ event: 'demand.high', group: { requirement: tag, gpus: 2, queued: 3, backlogged: true } });
    expect(hooks.filter((h) => h.event === 'demand.high')).toHaveLength(1);

    // An agent with 2 GPUs arrives: the supply shows it, and the big jobs run one at a time on it.
    const agent = await cp.agent.registerAgent({ name: 'demand-gpu', capabilities: [tag], slots: 4, resources: { cpus: 8, memoryMb: 8192, gpus: [gpu(0), gpu(1)] } });
    const first = await cp.agent.lease(agent.agentId, { max: 4, waitMs: 0 });
    expect(first.leases.map((l) => [l.job.id, l.job.assigned.gpus.map((g) => g.index)])).toEqual([
      ['b1', [0, 1]],
      ['b-small', []],
    ]);
    const now = await cp.client.call('demand', {});
    expect(now.supply.find((s) => s.capability === tag)).toMatchObject({ agents: 1, slots: 4, freeSlots: 2, gpus: 2, freeGpus: 0 });
    expect(now.groups.find((g) => g.requirement === tag && g.gpus === 2)).toMatchObject({ queued: 2, running: 1, placeable: true });

    for (const id of ids.slice(1)) await cp.client.cancelJob(id);
    const low = await waitFor(async () => hooks.find((h) => h.event === 'demand.low'), 10_000);
    expect(JSON.parse(low.body)).toMatchObject({ event: 'demand.low', group: { requirement: tag, gpus: 2, queued: 0, backlogged: false } });
    await cp.agent.complete(agent.agentId, first.leases.map((l) => ({ leaseId: l.leaseId, status: 'COMPLETED' as const, exitCode: 0 })));
  });
});

describe('placement at lease time', () => {
  it('skips a job that does not fit for smaller ones, then holds devices back for it once it waited past RESERVE_AFTER_MS', { timeout: 30_000 }, async () => {
    const tag = 'RESERVE';
    const job = (id: string, gpus: number) => cp.client.submitJob({ id, file: 'a.py', payloadB64: b64('pass'), requirement: tag, gpus });
    const agent = await cp.agent.registerAgent({ name: 'reserve-gpu', capabilities: [tag], slots: 4, resources: { cpus: 8, memoryMb: 8192, gpus: [gpu(0), gpu(1)] } });
    const lease = async () => (await cp.agent.lease(agent.agentId, { max: 4, waitMs: 0 })).leases;
    const done = (l: { leaseId: string }) => cp.agent.complete(agent.agentId, [{ leaseId: l.leaseId, status: 'COMPLETED', exitCode: 0 }]);
    const held = (ls: Awaited<ReturnType<typeof lease>>) => ls.map((l) => `${l.job.id}@${l.job.assigned.gpus.map((g) => g.index).join(',')}`);

    await job('r-s1', 1);
    const [s1] = await lease();
    expect(held([s1!])).toEqual(['r-s1@0']);
    await job('r-big', 2);
    await job('r-s2', 1);
    await job('r-s3', 1);
    const [s2, ...rest] = await lease(); // the big job does not fit: the small one behind it runs
    expect(held([s2!, ...rest])).toEqual(['r-s2@1']);
    await done(s1!);
    await new Promise((r) => setTimeout(r, 400)); // r-big now waited past RESERVE_AFTER_MS
    expect(await lease()).toEqual([]); // GPU 0 is free, but held back for r-big: r-s3 waits
    await done(s2!);
    const next = await lease();
    expect(held(next)).toEqual(['r-big@0,1']);
    await done(next[0]!);
    expect(held(await lease())).toEqual(['r-s3@0']);
  });
});

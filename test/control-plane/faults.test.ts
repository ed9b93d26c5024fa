/**
 * Issue 14 on the control plane, in workerd: orders without waiting for a heartbeat, a grace for
 * leases after a restart, late results of a lost lease, logs only from the lease holder, a follow
 * that ends after the last lines, and refused requests that store nothing.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { b64, startTestPlane, waitFor, type TestPlane } from '../helpers/controlPlane';

const TTL = 3000;
let cp: TestPlane;
beforeAll(async () => {
  cp = await startTestPlane({ LEASE_TTL_MS: String(TTL), HEARTBEAT_MS: '1000', RETRY_BASE_MS: '50', RETRY_CAP_MS: '200' });
});
afterAll(async () => cp?.dispose());

let n = 0;
const uid = (p: string) => `${p}-${++n}-${Math.random().toString(36).slice(2, 7)}`;
const tagOf = (p: string) => uid(p).toUpperCase().replace(/-/g, '_');
const state = async (id: string) => (await cp.client.getJob(id)).job;
const line = (seq: number, text: string) => ({ seq, ts: Date.now(), stream: 'stdout' as const, text });

/** Submit a job under its own capability and lease it to a fresh agent. */
async function leased(extra: Record<string, unknown> = {}) {
  const id = uid('job');
  const tag = tagOf('CAP');
  await cp.client.submitJob({ id, file: 'a.py', payloadB64: b64('x'), requirement: tag, priority: 1_000_000, ...extra }); // first, before GENERAL work
  const agentId = (await cp.agent.registerAgent({ name: uid('agent'), capabilities: [tag], slots: 1 })).agentId;
  const lease = (await cp.agent.lease(agentId, { max: 1, waitMs: 0 })).leases[0];
  expect(lease.job.id).toBe(id);
  return { id, tag, agentId, leaseId: lease.leaseId };
}

async function raw(method: string, path: string, body?: AsyncIterable<Uint8Array>, token: string | null = cp.clientToken) {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const res = await request(cp.url + path, { method: method as 'PUT', headers, body: body && Readable.from(body) });
  const text = await res.body.text();
  return { status: res.statusCode, json: text.startsWith('{') ? JSON.parse(text) : null };
}

describe('orders reach a held long-poll at once', () => {
  it('answers an orders-only poll (max 0) with the cancel as soon as it is given', async () => {
    const { id, agentId, leaseId } = await leased();
    const poll = cp.agent.lease(agentId, { max: 0, waitMs: 20_000 });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    await cp.client.cancelJob(id);
    const got = await poll;
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(got.orders).toEqual([{ leaseId, jobId: id, action: 'cancel' }]);
    expect(got.leases).toEqual([]);
    // Every answer carries the pending orders; heartbeats keep returning them too.
    expect((await cp.agent.lease(agentId, { max: 0, waitMs: 0 })).orders).toEqual([{ leaseId, jobId: id, action: 'cancel' }]);
    expect((await cp.agent.heartbeat(agentId, { leases: [leaseId] })).orders).toEqual([{ leaseId, jobId: id, action: 'cancel' }]);
    await cp.agent.complete(agentId, [{ leaseId, status: 'CANCELLED' }]);
    expect((await cp.agent.lease(agentId, { max: 0, waitMs: 0 })).orders).toEqual([]);
  });

  it('answers a poll for more work with a stop order, and times out empty without one', async () => {
    const id = uid('svc');
    const tag = tagOf('SVC');
    await cp.client.submitJob({ id, type: 'SERVICE', file: 's.py', payloadB64: b64('x'), port: 8000, requirement: tag });
    const agentId = (await cp.agent.registerAgent({ name: uid('agent'), capabilities: [tag], slots: 2 })).agentId;
    const { leaseId } = (await cp.agent.lease(agentId, { max: 1, waitMs: 0 })).leases[0];
    const t0 = Date.now();
    expect(await cp.agent.lease(agentId, { max: 0, waitMs: 300 })).toEqual({ leases: [], acks: [], orders: [] });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    const poll = cp.agent.lease(agentId, { max: 1, waitMs: 20_000 });
    await new Promise((r) => setTimeout(r, 300));
    await cp.client.stopService(id);
    expect((await poll).orders).toEqual([{ leaseId, jobId: id, action: 'stop' }]);
    await cp.agent.complete(agentId, [{ leaseId, status: 'STOPPED' }]);
  });
});

describe('late results of a lost lease', () => {
  it('takes the result (and lines) of an expired lease while nobody leased the job again: no second run', async () => {
    const { id, agentId, leaseId } = await leased();
    await waitFor(async () => (await state(id)).state === 'QUEUED', 10_000);
    await cp.agent.appendLogs(id, { leaseId, run: 1, lines: [line(1, 'finished while cut off')] });
    const ack = await cp.agent.complete(agentId, [{ leaseId, status: 'COMPLETED', exitCode: 0 }]);
    expect(ack.acks[0]).toMatchObject({ leaseId, accepted: true });
    const j = await state(id);
    expect(j.state).toBe('COMPLETED');
    expect(j.attempts).toBe(1);
    expect(j.history!.some((h) => h.note?.includes('late result'))).toBe(true);
    expect((await cp.client.getLogs(id)).lines.map((l) => l.text)).toEqual(['finished while cut off']);
  });

  it('refuses it (and its lines) once the job was leased again', async () => {
    const { id, tag, agentId, leaseId } = await leased();
    await waitFor(async () => (await state(id)).state === 'QUEUED', 10_000);
    const other = (await cp.agent.registerAgent({ name: uid('agent'), capabilities: [tag], slots: 1 })).agentId;
    const l2 = (await cp.agent.lease(other, { max: 1, waitMs: 2000 })).leases[0];
    await expect(cp.agent.appendLogs(id, { leaseId, run: 1, lines: [line(1, 'stale')] })).rejects.toMatchObject({ status: 409 });
    expect((await cp.agent.complete(agentId, [{ leaseId, status: 'COMPLETED', exitCode: 0 }])).acks[0]).toMatchObject({ accepted: false });
    expect((await state(id)).state).toBe('RUNNING');
    await cp.agent.complete(other, [{ leaseId: l2.leaseId, status: 'COMPLETED', exitCode: 0 }]);
    expect((await cp.client.getLogs(id)).lines).toEqual([]);
  });
});

describe('a lost lease goes back to its holder while nobody took the job', () => {
  it('through a heartbeat: the job runs on, under the same lease, attempt not counted again', async () => {
    const { id, agentId, leaseId } = await leased();
    await waitFor(async () => (await state(id)).state === 'QUEUED', 10_000);
    const hb = await cp.agent.heartbeat(agentId, { leases: [leaseId] });
    expect(hb.lost).toEqual([]);
    const j = await state(id);
    expect([j.state, j.attempts, j.agentId]).toEqual(['RUNNING', 1, agentId]);
    expect(j.history!.some((h) => h.note?.includes('back with its agent'))).toBe(true);
    expect((await cp.agent.complete(agentId, [{ leaseId, status: 'COMPLETED', exitCode: 0 }])).acks[0]).toMatchObject({ accepted: true });
    expect((await state(id)).attempts).toBe(1);
  });

  it('through a lease poll naming it, before the poll could hand the same job out again', async () => {
    const { id, agentId, leaseId } = await leased();
    await waitFor(async () => (await state(id)).state === 'QUEUED', 10_000);
    const r = await cp.agent.lease(agentId, { max: 1, waitMs: 0, held: [leaseId] });
    expect(r.leases).toEqual([]); // not handed out a second time: it is this agent's again
    expect((await state(id)).state).toBe('RUNNING');
    await cp.agent.complete(agentId, [{ leaseId, status: 'COMPLETED', exitCode: 0 }]);
    const j = await state(id);
    expect([j.state, j.attempts]).toEqual(['COMPLETED', 1]);
  });

  it('through a complete that asks for work and names it: the result counts, and the job still running is not handed out again', async () => {
    const tag = tagOf('CAP');
    const [x, y] = [uid('job'), uid('job')];
    for (const id of [x, y]) await cp.client.submitJob({ id, file: 'a.py', payloadB64: b64('x'), requirement: tag, priority: 1_000_000 });
    const agentId = (await cp.agent.registerAgent({ name: uid('agent'), capabilities: [tag], slots: 2 })).agentId;
    const leases = (await cp.agent.lease(agentId, { max: 2, waitMs: 0 })).leases;
    expect(leases.map((l) => l.job.id).sort()).toEqual([x, y].sort());
    const lx = leases.find((l) => l.job.id === x)!.leaseId;
    const ly = leases.find((l) => l.job.id === y)!.leaseId;
    await waitFor(async () => (await state(x)).state === 'QUEUED' && (await state(y)).state === 'QUEUED', 10_000);
    // Back from a cut: x finished meanwhile, y still runs; its slot freed by x asks for one job.
    const r = await cp.agent.complete(agentId, [{ leaseId: lx, status: 'COMPLETED', exitCode: 0 }], 1, [lx, ly]);
    expect(r.acks).toEqual([{ leaseId: lx, accepted: true }]);
    expect(r.leases).toEqual([]); // y is this agent's again, not a new lease of the same job
    const [jx, jy] = [await state(x), await state(y)];
    expect([jx.state, jx.attempts, jy.state, jy.attempts, jy.agentId]).toEqual(['COMPLETED', 1, 'RUNNING', 1, agentId]);
    await cp.agent.complete(agentId, [{ leaseId: ly, status: 'COMPLETED', exitCode: 0 }]);
  });

  it('not once another agent leased the job: the old holder is told the lease is lost', async () => {
    const { id, tag, agentId, leaseId } = await leased();
    await waitFor(async () => (await state(id)).state === 'QUEUED', 10_000);
    const other = (await cp.agent.registerAgent({ name: uid('agent'), capabilities: [tag], slots: 1 })).agentId;
    const l2 = (await cp.agent.lease(other, { max: 1, waitMs: 2000 })).leases[0];
    expect((await cp.agent.heartbeat(agentId, { leases: [leaseId] })).lost).toEqual([leaseId]);
    expect((await state(id)).agentId).toBe(other);
    await cp.agent.complete(other, [{ leaseId: l2.leaseId, status: 'COMPLETED', exitCode: 0 }]);
  });
});

describe('logs only from the lease holder', () => {
  it('answers 404 for an unknown job and 409 for a lease that does not hold the run, storing nothing', async () => {
    const { id, agentId, leaseId } = await leased();
    await expect(cp.agent.appendLogs(uid('made-up'), { leaseId, run: 1, lines: [line(1, 'x')] })).rejects.toMatchObject({ status: 404 });
    const wrong = await cp.agent.appendLogs(id, { leaseId: 'Lnot-a-lease', run: 1, lines: [line(1, 'forged')] }).catch((e) => e);
    expect(wrong).toMatchObject({ status: 409, code: 'conflict' });
    await expect(cp.agent.appendLogs(id, { leaseId, run: 2, lines: [line(1, 'wrong run')] })).rejects.toMatchObject({ status: 409 });
    expect((await cp.client.getLogs(id)).lines).toEqual([]);
    await cp.agent.appendLogs(id, { leaseId, run: 1, lines: [line(1, 'mine')] });
    await cp.agent.complete(agentId, [{ leaseId, status: 'COMPLETED', exitCode: 0 }]);
    // Lines resent after the result (the agent's outbox after a cut) are still the holder's.
    await cp.agent.appendLogs(id, { leaseId, run: 1, lines: [line(1, 'mine'), line(2, 'after the result')] });
    expect((await cp.client.getLogs(id)).lines.map((l) => l.text)).toEqual(['mine', 'after the result']);
  });
});

describe('a follow ends after the final lines', () => {
  it('keeps a cancelled run open until its holder ships the kill and closes the lease', async () => {
    const { id, agentId, leaseId } = await leased();
    const res = await request(cp.url + `/v1/jobs/${id}/logs/stream`, { headers: { authorization: `Bearer ${cp.clientToken}` } });
    const seen: string[] = [];
    let ended = false;
    const reader = (async () => {
      let buf = '';
      for await (const chunk of res.body) {
        buf += chunk.toString();
        for (const m of buf.matchAll(/^data: (\{"seq".*)$/gm)) {
          const t = JSON.parse(m[1]).text;
          if (!seen.includes(t)) seen.push(t);
        }
      }
      ended = true;
      return buf;
    })();
    await cp.agent.appendLogs(id, { leaseId, run: 1, lines: [line(1, 'working')] });
    await waitFor(async () => seen.includes('working'), 5000);
    await cp.client.cancelJob(id);
    await new Promise((r) => setTimeout(r, 1200)); // the run is terminal, its lease still held
    expect(ended).toBe(false);
    await cp.agent.appendLogs(id, { leaseId, run: 1, lines: [line(2, 'killing (cancel)'), line(3, 'exit: SIGTERM')] });
    await cp.agent.complete(agentId, [{ leaseId, status: 'CANCELLED' }]);
    const all = await reader;
    expect(seen).toEqual(['working', 'killing (cancel)', 'exit: SIGTERM']);
    expect(all).toMatch(/event: end\ndata: \{"run":1,"status":"CANCELLED"\}/);
  });

  it('ends a bounded time after the end when the holder never reports', async () => {
    const { id } = await leased();
    const res = await request(cp.url + `/v1/jobs/${id}/logs/stream`, { headers: { authorization: `Bearer ${cp.clientToken}` } });
    await cp.client.cancelJob(id);
    const t0 = Date.now();
    const all = await res.body.text();
    expect(all).toMatch(/event: end/);
    expect(Date.now() - t0).toBeLessThan(2 * 1000 + 2500); // 2 x HEARTBEAT_MS, plus polling
  });
});

describe('refused requests store nothing', () => {
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');

  it('checks the whole DAG before any payload goes to R2', async () => {
    const unknownParent = `print("unknown parent ${uid('u')}")`;
    const r1 = await cp.client.submitDag({ jobs: [{ id: uid('d'), file: 'a.py', payloadB64: b64(unknownParent), parents: ['ghost-parent'] }] }).catch((e) => e);
    expect(r1).toMatchObject({ status: 400, code: 'invalid_dag' });
    expect(await cp.client.getBlob(sha(unknownParent))).toBeNull();

    const { id: busy } = await leased();
    const conflicting = `print("conflict ${uid('c')}")`;
    const r2 = await cp.client.submitDag({ jobs: [{ id: uid('fresh'), file: 'a.py', payloadB64: b64('print(1)') }, { id: busy, file: 'a.py', payloadB64: b64(conflicting) }] }).catch((e) => e);
    expect(r2).toMatchObject({ status: 409, code: 'conflict' });
    expect(await cp.client.getBlob(sha(conflicting))).toBeNull();
  });

  it('refuses chunked bodies past the limit while they stream (JSON and raw routes)', async () => {
    async function* chunks(total: number, text = false) {
      const mb = new Uint8Array(1024 * 1024).fill(text ? 0x20 : 7);
      if (text) yield new TextEncoder().encode('{"id":"huge","file":"a.py","payloadB64":"');
      for (let i = 0; i < total; i++) yield mb;
    }
    // workerd may close the connection right after its 413 while we are still writing: the write
    // then fails (ECONNRESET) before the answer is read. That is the refusal too; try again until
    // the answer itself is read, so the test checks what it says.
    const refused = async (method: string, path: string, body: () => AsyncIterable<Uint8Array>) => {
      for (let tries = 1; ; tries++) {
        try {
          return await raw(method, path, body());
        } catch (err) {
          if (tries >= 5 || !/ECONNRESET|EPIPE/.test(String(err))) throw err;
        }
      }
    };
    const json = await refused('POST', '/v1/jobs', () => chunks(20, true));
    expect(json.status).toBe(413);
    expect(json.json.error.code).toBe('payload_too_large');
    expect(await cp.client.findJob('huge')).toBeNull();
    const art = await refused('PUT', '/v1/artifacts/too-big.bin', () => chunks(101));
    expect(art.status).toBe(413);
    expect(await cp.client.getArtifact('too-big.bin')).toBeNull();
    const ok = await raw('PUT', '/v1/artifacts/chunked-ok.bin', chunks(2));
    expect(ok.status).toBe(200);
    expect((await cp.client.getArtifact('chunked-ok.bin'))!.length).toBe(2 * 1024 * 1024);
  });

  it('takes the bearer token only from the Authorization header', async () => {
    const r = await request(`${cp.url}/v1/stats?token=${encodeURIComponent(cp.clientToken)}`);
    expect(r.statusCode).toBe(401);
    await r.body.dump();
  });
});

describe('restart grace', () => {
  it('does not re-run a job that was running through an outage longer than the lease', async () => {
    const { id, tag, agentId, leaseId } = await leased();
    const other = (await cp.agent.registerAgent({ name: uid('agent'), capabilities: [tag], slots: 1 })).agentId;
    await cp.restart(TTL + 1500);
    // The control plane wakes and its overdue alarm runs before the agent is back.
    expect((await state(id)).state).toBe('RUNNING');
    await new Promise((r) => setTimeout(r, 1000));
    expect((await state(id)).state).toBe('RUNNING');
    // The agent reconnects within the grace: its lease holds and its result counts.
    const hb = await cp.agent.heartbeat(agentId, { leases: [leaseId] });
    expect(hb.lost).toEqual([]);
    expect((await state(id)).state).toBe('RUNNING');
    expect((await cp.agent.lease(other, { max: 1, waitMs: 0 })).leases).toEqual([]);
    await cp.agent.appendLogs(id, { leaseId, run: 1, lines: [line(1, 'done during the outage')] });
    expect((await cp.agent.complete(agentId, [{ leaseId, status: 'COMPLETED', exitCode: 0 }])).acks[0]).toMatchObject({ accepted: true });
    const j = await state(id);
    expect(j.state).toBe('COMPLETED');
    expect(j.attempts).toBe(1);
  });
});

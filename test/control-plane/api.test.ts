import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { b64, startTestPlane, waitFor, type TestPlane } from '../helpers/controlPlane';

let cp: TestPlane;
beforeAll(async () => {
  cp = await startTestPlane();
});
afterAll(async () => cp?.dispose());

async function call(method: string, path: string, opts: { token?: string | null; body?: string; type?: string } = {}) {
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? cp.clientToken : opts.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers['content-type'] = opts.type ?? 'application/json';
  const res = await request(cp.url + path, { method: method as 'GET', headers, body: opts.body });
  const text = await res.body.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.statusCode, json, text };
}

/** A job leased to a fresh agent: only that lease may write the job's log. */
async function leasedJob(plane: TestPlane, id: string): Promise<{ agentId: string; leaseId: string }> {
  const cap = `LOG_${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  await plane.client.submitJob({ id, file: 'a.py', payloadB64: b64('x'), requirement: cap, priority: 1_000_000 }); // first, before GENERAL work
  const agentId = (await plane.agent.registerAgent({ name: `log-${id}`, capabilities: [cap], slots: 1 })).agentId;
  const lease = (await plane.agent.lease(agentId, { max: 1, waitMs: 0 })).leases[0];
  return { agentId, leaseId: lease.leaseId };
}

describe('TitanStore', () => {
  it('round-trips arbitrary UTF-8 exactly', async () => {
    const values = ['plain', 'a|b|c', 'x,y,z', 'line1\nline2\r\n', 'héllo wörld', '漢字かな', '🚀🔥', '', 'ß'.repeat(4000), '  spaced  '];
    for (const [i, v] of values.entries()) {
      await cp.client.kvPut(`utf/${i}|,\n`, v);
      expect(await cp.client.kvGet(`utf/${i}|,\n`)).toBe(v);
    }
  });
  it('answers null for a missing key and overwrites on put', async () => {
    expect(await cp.client.kvGet('missing-' + Math.random())).toBeNull();
    await cp.client.kvPut('ow', '1');
    await cp.client.kvPut('ow', '2');
    expect(await cp.client.kvGet('ow')).toBe('2');
  });
  it('SADD answers 1 then 0, SMEMBERS keeps insertion order', async () => {
    expect(await cp.client.sadd('set1', 'b')).toBe(1);
    expect(await cp.client.sadd('set1', 'b')).toBe(0);
    expect(await cp.client.sadd('set1', 'a,with,commas')).toBe(1);
    expect(await cp.client.smembers('set1')).toEqual(['b', 'a,with,commas']);
    expect(await cp.client.smembers('empty-set')).toEqual([]);
  });
  it('is reachable with an agent token too (job scripts use it)', async () => {
    await cp.agent.kvPut('from-agent', 'v');
    expect(await cp.client.kvGet('from-agent')).toBe('v');
  });
  it('lists keys across shards by prefix', async () => {
    for (let i = 0; i < 20; i++) await cp.client.kvPut(`list/${i}`, 'v');
    await cp.client.sadd('list/set', 'm');
    const keys = (await cp.client.listKeys('list/')).keys;
    expect(keys).toHaveLength(21);
    expect(keys.find((k) => k.key === 'list/set')).toMatchObject({ kind: 'set', size: 1 });
    await cp.client.kvPut('100%_sure', 'v');
    expect((await cp.client.listKeys('100%_')).keys.map((k) => k.key)).toEqual(['100%_sure']);
    expect((await cp.client.listKeys('0'.repeat(1024))).keys).toEqual([]);
  });
  it('refuses an oversized value with a clear error and stores nothing', async () => {
    const r = await call('PUT', '/v1/store/kv', { body: JSON.stringify({ key: 'big', value: 'x'.repeat(1024 * 1024 + 1) }) });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/at most/);
    expect(await cp.client.kvGet('big')).toBeNull();
  });
  it('answers GET and PUT of a string (taken before the router) by the same rules as every route', async () => {
    // Refusals read exactly as the router's own (the sets routes go through it).
    const viaRouter = await call('POST', '/v1/store/sets', { token: null, body: JSON.stringify({ key: 'k', member: 'm' }) });
    for (const r of [await call('PUT', '/v1/store/kv', { token: null, body: JSON.stringify({ key: 'fast-anon', value: 'v' }) }), await call('GET', '/v1/store/kv?key=fast-anon', { token: 'tc_wrong' })]) {
      expect(r.status).toBe(401);
      expect(r.json).toEqual(viaRouter.json);
    }
    expect(await cp.client.kvGet('fast-anon')).toBeNull();
    const notJson = await call('PUT', '/v1/store/kv', { body: '{nope' });
    expect([notJson.status, notJson.json.error]).toEqual([400, { code: 'bad_request', message: 'the body is not valid JSON' }]);
    const noKey = await call('PUT', '/v1/store/kv', { body: JSON.stringify({ value: 'v' }) });
    expect([noKey.status, noKey.json.error.code]).toEqual([400, 'bad_request']);
    expect(noKey.json.error.message).toMatch(/key/);
    const longKey = await call('GET', `/v1/store/kv?key=${'k'.repeat(2000)}`);
    expect(longKey.status).toBe(400);
    // Answers: the route table's shapes, JSON; a repeated parameter counts once, the first.
    const put = await call('PUT', '/v1/store/kv', { body: JSON.stringify({ key: 'fast/é', value: 'v|é🚀' }) });
    expect([put.status, put.json]).toEqual([200, { ok: true }]);
    const res = await request(`${cp.url}/v1/store/kv?key=${encodeURIComponent('fast/é')}&key=other`, { headers: { authorization: `Bearer ${cp.agentToken}` } });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect([res.statusCode, await res.body.json()]).toEqual([200, { key: 'fast/é', value: 'v|é🚀' }]);
    // Other methods on the same path are the router's.
    expect((await call('DELETE', `/v1/store/kv?key=${encodeURIComponent('fast/é')}`)).status).toBe(200);
    expect(await cp.client.kvGet('fast/é')).toBeNull();
    expect((await call('POST', '/v1/store/kv', { body: '{}' })).status).toBe(404);
  });
});

describe('logs', () => {
  it('stores batches once by seq and serves history by run', async () => {
    const id = 'log-job-1';
    const { agentId, leaseId } = await leasedJob(cp, id);
    const lines = [1, 2, 3].map((seq) => ({ seq, ts: Date.now(), stream: 'stdout' as const, text: `line ${seq}` }));
    await cp.agent.appendLogs(id, { leaseId, run: 1, lines });
    await cp.agent.appendLogs(id, { leaseId, run: 1, lines }); // resent after a network cut
    const r = await cp.client.getLogs(id);
    expect(r.lines.map((l) => l.text)).toEqual(['line 1', 'line 2', 'line 3']);
    const after = await cp.client.getLogs(id, { after: 2 });
    expect(after.lines.map((l) => l.seq)).toEqual([3]);
    await cp.agent.complete(agentId, [{ leaseId, status: 'COMPLETED', exitCode: 0 }]);
    await cp.client.retryJob(id);
    const second = (await cp.agent.lease(agentId, { max: 1, waitMs: 5000 })).leases[0];
    await cp.agent.appendLogs(id, { leaseId: second.leaseId, run: 2, lines: [{ seq: 1, ts: Date.now(), stream: 'stderr', text: 'second run' }] });
    expect((await cp.client.getLogs(id)).lines.map((l) => l.text)).toEqual(['second run']);
    expect((await cp.client.getLogs(id, { run: 1 })).lines).toHaveLength(3);
  });

  it('follows live lines over server-sent events, and ends the stream when the run ends', async () => {
    const id = 'log-follow-1';
    const { agentId: a, leaseId } = await leasedJob(cp, id);
    await cp.agent.appendLogs(id, { leaseId, run: 1, lines: [{ seq: 1, ts: Date.now(), stream: 'stdout', text: 'before' }] });
    const res = await request(cp.url + `/v1/jobs/${id}/logs/stream`, { headers: { authorization: `Bearer ${cp.clientToken}` } });
    expect(res.headers['content-type']).toMatch(/text\/event-stream/);
    const seen: string[] = [];
    const reader = (async () => {
      let buf = '';
      for await (const chunk of res.body) {
        buf += chunk.toString();
        for (const m of buf.matchAll(/^data: (\{"seq".*)$/gm)) {
          const t = JSON.parse(m[1]).text;
          if (!seen.includes(t)) seen.push(t);
        }
      }
      return buf;
    })();
    await waitFor(async () => seen.includes('before'), 5000);
    await cp.agent.appendLogs(id, { leaseId, run: 1, lines: [{ seq: 2, ts: Date.now(), stream: 'stdout', text: 'live 1' }, { seq: 3, ts: Date.now(), stream: 'stdout', text: 'live 2' }] });
    await waitFor(async () => seen.includes('live 2'), 5000);
    await cp.agent.complete(a, [{ leaseId, status: 'COMPLETED', exitCode: 0 }]);
    const all = await reader; // the server closes the stream after the end event
    expect(seen).toEqual(['before', 'live 1', 'live 2']);
    expect(all).toMatch(/event: end\ndata: \{"run":1,"status":"COMPLETED"\}/);
    expect((await call('GET', '/v1/jobs/nobody-here/logs/stream')).status).toBe(404);
  });

  it('deletes a log, R2 chunks included, once it has been silent for the retention period', async () => {
    const short = await startTestPlane({ JOB_RETENTION_MS: '1500', LOG_MAX_LINES: '10' });
    try {
      const lines = Array.from({ length: 30 }, (_, i) => ({ seq: i + 1, ts: Date.now(), stream: 'stdout' as const, text: `r${i + 1}` }));
      const { agentId, leaseId } = await leasedJob(short, 'gone-soon');
      await short.agent.appendLogs('gone-soon', { leaseId, run: 1, lines });
      expect((await short.client.getLogs('gone-soon')).lines).toHaveLength(30);
      await short.agent.complete(agentId, [{ leaseId, status: 'COMPLETED', exitCode: 0 }]); // an ended job is forgotten after retention
      await waitFor(async () => {
        try {
          await short.client.getLogs('gone-soon');
          return false;
        } catch (e) {
          return (e as { status?: number }).status === 404;
        }
      }, 15_000);
    } finally {
      await short.dispose();
    }
  });

  it('rolls old lines to R2 past the bound and still serves them', async () => {
    const small = await startTestPlane({ LOG_MAX_LINES: '100' });
    try {
      const id = 'roll-1';
      const { leaseId } = await leasedJob(small, id);
      for (let b = 0; b < 5; b++) {
        const lines = Array.from({ length: 50 }, (_, i) => ({ seq: b * 50 + i + 1, ts: Date.now(), stream: 'stdout' as const, text: `l${b * 50 + i + 1}` }));
        await small.agent.appendLogs(id, { leaseId, run: 1, lines });
      }
      const all = await small.client.getLogs(id);
      expect(all.lines).toHaveLength(250);
      expect(all.lines[0].text).toBe('l1');
      expect(all.lines[249].text).toBe('l250');
      const objects = await small.client.listArtifacts();
      expect(objects.artifacts).toHaveLength(0); // log chunks are not user artifacts
    } finally {
      await small.dispose();
    }
  });
});

describe('artifacts and blobs', () => {
  it('uploads and downloads bytes exactly', async () => {
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 7) % 256);
    const put = await cp.client.putArtifact('data.bin', bytes);
    expect(put.size).toBe(bytes.length);
    expect(Buffer.from((await cp.client.getArtifact('data.bin'))!)).toEqual(Buffer.from(bytes));
    expect(await cp.client.getArtifact('nothing-here.bin')).toBeNull();
    expect((await cp.client.listArtifacts()).artifacts.map((a) => a.name)).toContain('data.bin');
  });
  it('refuses path tricks in names', async () => {
    for (const name of ['..%2Fetc%2Fpasswd', '..', '%2E%2E', 'a%5Cb']) {
      const r = await call('PUT', `/v1/artifacts/${name}`, { body: 'x', type: 'application/octet-stream' });
      expect([400, 404]).toContain(r.status);
    }
    expect((await cp.client.listArtifacts()).artifacts.map((a) => a.name).some((n) => n.includes('..') || n.includes('/'))).toBe(false);
  });
  it('stores payloads by content hash', async () => {
    const { hash } = await cp.client.putBlob(new TextEncoder().encode('print(42)'));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(new TextDecoder().decode((await cp.client.getBlob(hash))!)).toBe('print(42)');
  });
  it('refuses jobs that reference a script or archive that does not exist', async () => {
    await expect(cp.client.submitJob({ id: 'needs-script', file: 'a.py', script: 'a.py' })).rejects.toMatchObject({ status: 404 });
    await expect(cp.client.submitJob({ id: 'needs-zip', type: 'RUN_ARCHIVE', file: 'main.py', archive: 'proj.zip' })).rejects.toMatchObject({ status: 404 });
    expect(await cp.client.findJob('needs-script')).toBeNull();
    await cp.client.putScript('a.py', new TextEncoder().encode('print(1)'));
    expect((await cp.client.submitJob({ id: 'needs-script', file: 'a.py', script: 'a.py' })).job.script).toBe('a.py');
  });
});

describe('auth', () => {
  it('refuses requests without a valid token', async () => {
    expect((await call('GET', '/v1/stats', { token: null })).status).toBe(401);
    expect((await call('GET', '/v1/stats', { token: 'wrong' })).json.error.code).toBe('unauthorized');
    expect((await call('GET', '/v1/health', { token: null })).status).toBe(200);
    expect((await call('GET', '/v1/whoami')).json).toEqual({ role: 'client' });
    expect((await call('GET', '/v1/whoami', { token: cp.agentToken })).json).toEqual({ role: 'agent' });
  });
  it('an agent token cannot submit, a client token cannot lease', async () => {
    const sub = await call('POST', '/v1/jobs', { token: cp.agentToken, body: JSON.stringify({ id: 'by-agent', file: 'a.py', payloadB64: b64('x') }) });
    expect(sub.status).toBe(403);
    const reg = await call('POST', '/v1/agents/register', { body: JSON.stringify({ name: 'sneaky' }) });
    expect(reg.status).toBe(403);
    const lease = await call('POST', '/v1/agents/x/lease', { body: JSON.stringify({ max: 1, waitMs: 0 }) });
    expect(lease.status).toBe(403);
    expect(await cp.client.findJob('by-agent')).toBeNull();
  });
});

describe('bad input', () => {
  it('answers 400 with a clear message and changes nothing', async () => {
    const before = await cp.client.stats();
    const cases = [
      await call('POST', '/v1/jobs', { body: '{not json' }),
      await call('POST', '/v1/jobs', { body: JSON.stringify({ id: 'bad id with spaces', file: 'a.py', payloadB64: b64('x') }) }),
      await call('POST', '/v1/jobs', { body: JSON.stringify({ id: 'nofile', payloadB64: b64('x') }) }),
      await call('POST', '/v1/jobs', { body: JSON.stringify({ id: 'two-sources', file: 'a.py', payloadB64: b64('x'), script: 'a.py' }) }),
      await call('POST', '/v1/jobs', { body: JSON.stringify({ id: 'trav', file: '../../etc/passwd', payloadB64: b64('x') }) }),
      await call('POST', '/v1/dags', { body: JSON.stringify({ jobs: [] }) }),
      await call('POST', '/v1/dags', { body: JSON.stringify({ jobs: [{ id: 'p', file: 'a.py', payloadB64: b64('x'), priority: 'high' }] }) }),
    ];
    for (const r of cases) {
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe('bad_request');
      expect(r.json.error.message.length).toBeGreaterThan(3);
    }
    expect((await cp.client.stats()).counts).toEqual(before.counts);
  });
  it('refuses invalid DAGs whole: cycles, unknown parents, duplicates', async () => {
    const j = (id: string, parents: string[] = []) => ({ id, file: 'a.py', payloadB64: b64('x'), parents });
    const bad = [
      { jobs: [j('c1', ['c3']), j('c2', ['c1']), j('c3', ['c2']), j('c-ok')] },
      { jobs: [j('u1'), j('u2', ['ghost'])] },
      { jobs: [j('d1'), j('d1')] },
    ];
    for (const dag of bad) {
      const r = await call('POST', '/v1/dags', { body: JSON.stringify(dag) });
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe('invalid_dag');
    }
    for (const id of ['c1', 'c2', 'c3', 'c-ok', 'u1', 'u2', 'd1']) expect(await cp.client.findJob(id)).toBeNull();
    expect((await cp.client.listDags()).dags).toHaveLength(0);
  });
  it('validates query parameters too', async () => {
    expect((await call('GET', '/v1/store/kv')).json.error.message).toMatch(/key/);
    expect((await call('GET', '/v1/jobs?limit=abc')).status).toBe(400);
    expect((await call('GET', '/v1/jobs?state=BOGUS')).status).toBe(400);
    expect((await call('GET', '/v1/jobs/x/logs?after=-1')).status).toBe(400);
    expect((await call('GET', '/v1/jobs?limit=1')).status).toBe(200);
  });
  it('answers unknown ids and routes with 404', async () => {
    expect((await call('GET', '/v1/jobs/does-not-exist')).status).toBe(404);
    expect((await call('GET', '/v1/jobs/does-not-exist/logs')).status).toBe(404);
    await cp.client.submitJob({ id: 'quiet-job', file: 'a.py', payloadB64: b64('x') });
    expect((await cp.client.getLogs('quiet-job')).lines).toEqual([]);
    expect((await call('GET', '/v1/nope')).json.error.code).toBe('not_found');
  });
});

describe('openapi', () => {
  it('serves a document generated from the contract', async () => {
    const r = await call('GET', '/v1/openapi.json', { token: null });
    expect(r.json.openapi).toBe('3.1.0');
    expect(Object.keys(r.json.paths)).toContain('/v1/dags');
    expect(r.json.paths['/v1/jobs'].post.requestBody.content['application/json'].schema.properties.priority).toBeTruthy();
    expect(r.json.paths['/v1/store/kv'].get.parameters).toContainEqual(expect.objectContaining({ name: 'key', in: 'query', required: true }));
  });

  it('documents the status each route answers with: a submission is 201 Created, as served', async () => {
    const r = await call('GET', '/v1/openapi.json', { token: null });
    const statuses = (path: string, method: string) => Object.keys(r.json.paths[path][method].responses);
    expect(statuses('/v1/jobs', 'post')).toEqual(['201', 'default']);
    expect(statuses('/v1/dags', 'post')).toEqual(['201', 'default']);
    expect(statuses('/v1/jobs/{id}/spawn', 'post')).toEqual(['201', 'default']);
    expect(statuses('/v1/jobs/{id}', 'get')).toEqual(['200', 'default']);
    // Tuples as fixed-length arrays (schemathesis misreads prefixItems with items: false).
    expect(r.json.paths['/v1/dags/{id}'].get.responses['200'].content['application/json'].schema.properties.edges.items).toEqual({ type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 2 });
    const submitted = await call('POST', '/v1/dags', { body: JSON.stringify({ jobs: [{ id: 'oa-201', file: 'a.py', payloadB64: b64('x') }] }) });
    expect(submitted.status).toBe(201);
  });
});

describe('restart', () => {
  it('loses nothing when the local runtime restarts on its state dir', async () => {
    await cp.client.submitDag({ jobs: [{ id: 'r-a', file: 'a.py', payloadB64: b64('x') }, { id: 'r-b', file: 'b.py', payloadB64: b64('y'), parents: ['r-a'] }] });
    await cp.client.submitJob({ id: 'r-delayed', file: 'a.py', payloadB64: b64('x'), delayMs: 1500 });
    await cp.client.kvPut('persist', 'héllo');
    await cp.client.sadd('persist-set', 'm1');
    await cp.client.putArtifact('persist.txt', new TextEncoder().encode('kept'));
    const { leaseId } = await leasedJob(cp, 'r-log');
    await cp.agent.appendLogs('r-log', { leaseId, run: 1, lines: [{ seq: 1, ts: Date.now(), stream: 'stdout', text: 'kept line' }] });
    await cp.restart();
    expect((await cp.client.getJob('r-a')).job.state).toBe('QUEUED');
    expect((await cp.client.getJob('r-b')).job.state).toBe('PENDING');
    expect(await cp.client.kvGet('persist')).toBe('héllo');
    expect(await cp.client.smembers('persist-set')).toEqual(['m1']);
    expect(new TextDecoder().decode((await cp.client.getArtifact('persist.txt'))!)).toBe('kept');
    expect((await cp.client.getLogs('r-log')).lines[0].text).toBe('kept line');
    // The alarm survives the restart: the delayed job becomes ready on time.
    await waitFor(async () => (await cp.client.getJob('r-delayed')).job.state === 'QUEUED', 10_000);
  });
});

describe('job listing and DAG actions', () => {
  it('pages through jobs newest first with the total, and searches by id, agent and capability', async () => {
    const tag = 'PAGE_SEARCH';
    for (let i = 0; i < 7; i++) await cp.client.submitJob({ id: `page-${i}`, file: 'a.py', payloadB64: b64('x'), requirement: tag, priority: 1_000_000 }); // before GENERAL work left by other tests
    const first = await cp.client.listJobs({ q: 'page-', limit: 3 });
    expect(first.total).toBe(7);
    expect(first.jobs.map((j) => j.id)).toEqual(['page-6', 'page-5', 'page-4']);
    expect((await cp.client.listJobs({ q: 'page-', limit: 3, offset: 6 })).jobs.map((j) => j.id)).toEqual(['page-0']);
    expect((await cp.client.listJobs({ q: 'page_search' })).total).toBe(7); // capability, any case
    expect((await cp.client.listJobs({ q: 'PAGE-3' })).jobs.map((j) => j.id)).toEqual(['page-3']);
    expect((await cp.client.listJobs({ q: '%' })).total).toBe(0); // no wildcards: plain text
    const agentId = (await cp.agent.registerAgent({ name: 'searched-agent', capabilities: [tag], slots: 1 })).agentId;
    await cp.agent.lease(agentId, { max: 1, waitMs: 0 });
    expect((await cp.client.listJobs({ q: 'searched-agent' })).jobs.map((j) => j.id)).toEqual(['page-0']);
    const job = (await cp.client.getJob('page-0')).job;
    expect(job.queuedAt).toBeGreaterThanOrEqual(job.createdAt);
  });

  it('retries the failed part of a DAG and cancels what is left of one', async () => {
    const tag = 'DAG_ACTIONS';
    const dag = (await cp.client.submitDag({
      jobs: [
        { id: 'da-a', file: 'a.py', payloadB64: b64('x'), requirement: tag, priority: 1_000_000 },
        { id: 'da-b', file: 'a.py', payloadB64: b64('x'), requirement: tag, parents: ['da-a'], maxRetries: 0, priority: 1_000_000 },
        { id: 'da-c', file: 'a.py', payloadB64: b64('x'), requirement: tag, parents: ['da-b'], priority: 1_000_000 },
      ],
    })).dag!;
    const agentId = (await cp.agent.registerAgent({ name: 'dag-actions', capabilities: [tag], slots: 1 })).agentId;
    const run = async (status: 'COMPLETED' | 'FAILED') => {
      const [l] = (await cp.agent.lease(agentId, { max: 1, waitMs: 0 })).leases;
      await cp.agent.complete(agentId, [{ leaseId: l!.leaseId, status, exitCode: status === 'COMPLETED' ? 0 : 1 }]);
      return l!.job.id;
    };
    expect(await run('COMPLETED')).toBe('da-a');
    expect(await run('FAILED')).toBe('da-b');
    const states = async () => Object.fromEntries((await cp.client.getDag(dag)).jobs.map((j) => [j.id, j.state]));
    expect(await states()).toEqual({ 'da-a': 'COMPLETED', 'da-b': 'DEAD', 'da-c': 'CANCELLED' });
    const retried = await cp.client.call('retryDag', { params: { id: dag } });
    expect(Object.fromEntries(retried.jobs.map((j) => [j.id, [j.state, j.run]]))).toEqual({ 'da-a': ['COMPLETED', 1], 'da-b': ['QUEUED', 2], 'da-c': ['PENDING', 2] });
    const cancelled = await cp.client.call('cancelDag', { params: { id: dag } });
    expect(Object.fromEntries(cancelled.jobs.map((j) => [j.id, j.state]))).toEqual({ 'da-a': 'COMPLETED', 'da-b': 'CANCELLED', 'da-c': 'CANCELLED' });
    await expect(cp.client.call('cancelDag', { params: { id: dag } })).rejects.toThrow(/no job left to cancel/);
    await expect(cp.client.call('retryDag', { params: { id: 'dag-nope' } })).rejects.toThrow(/no DAG/);
  });
});

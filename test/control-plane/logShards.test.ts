/**
 * Logs kept in shards (control-plane/src/logs): jobs that share a shard keep their lines apart and
 * each batch once; a silent log is swept with its R2 chunks while a busy neighbour stays; and a
 * state dir written by the version with one object per job still serves those old logs.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalControlPlane, type LocalControlPlane } from '../../cli/local/controlPlane';
import type { LogLine } from '../../control-plane/src/contract/logs';
import { logShardName } from '../../control-plane/src/logs/shard';
import { TitanHttpClient } from '../../sdk/ts/client';
import { b64, rawStateWorker, waitFor } from '../helpers/controlPlane';

interface Plane {
  cp: LocalControlPlane;
  client: TitanHttpClient;
  agent: TitanHttpClient;
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function start(stateDir: string, vars: Record<string, string> = {}): Promise<Plane> {
  const cp = await startLocalControlPlane({ stateDir, port: 0, vars });
  return { cp, client: new TitanHttpClient({ url: cp.url, token: cp.clientToken }), agent: new TitanHttpClient({ url: cp.url, token: cp.agentToken }) };
}
async function stop(p: Plane): Promise<void> {
  await Promise.allSettled([p.client.close(), p.agent.close()]);
  await p.cp.stop();
}
function newStateDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'titan-logshards-'));
  dirs.push(d);
  return d;
}

/** A job leased to an agent of its own: only that lease writes the job's log. */
async function leased(p: Plane, id: string): Promise<{ agentId: string; leaseId: string }> {
  const cap = `LS_${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  await p.client.submitJob({ id, file: 'a.py', payloadB64: b64('x'), requirement: cap, priority: 1_000_000 });
  const agentId = (await p.agent.registerAgent({ name: `ls-${id}`, capabilities: [cap], slots: 1 })).agentId;
  const lease = (await p.agent.lease(agentId, { max: 1, waitMs: 0 })).leases[0]!;
  return { agentId, leaseId: lease.leaseId };
}

const lines = (job: string, seqs: number[]): LogLine[] => seqs.map((seq) => ({ seq, ts: Date.now(), stream: 'stdout', text: `${job} ${seq}` }));
const texts = async (p: Plane, id: string, query: { run?: number } = {}) => (await p.client.getLogs(id, query)).lines.map((l) => l.text);

/** Ids with the given shard layout: the first `same` share one shard, each of the rest has a shard of its own. */
function idsIn(prefix: string, same: number, others: number): string[] {
  const byShard = new Map<string, string[]>();
  for (let i = 0; ; i++) {
    const id = `${prefix}-${i}`;
    const s = logShardName(id);
    byShard.set(s, [...(byShard.get(s) ?? []), id]);
    const full = [...byShard.values()].find((ids) => ids.length >= same);
    if (full && byShard.size > others) {
      const rest = [...byShard.entries()].filter(([shard]) => shard !== logShardName(full[0]!)).slice(0, others).map(([, ids]) => ids[0]!);
      return [...full.slice(0, same), ...rest];
    }
  }
}

/** Follow a job's log over SSE: the texts seen so far, and the whole stream once the server ends it. */
async function follow(p: Plane, id: string): Promise<{ seen: string[]; done: Promise<string> }> {
  const res = await request(`${p.cp.url}/v1/jobs/${id}/logs/stream`, { headers: { authorization: `Bearer ${p.cp.clientToken}` } });
  expect(res.statusCode).toBe(200);
  const seen: string[] = [];
  const done = (async () => {
    let buf = '';
    for await (const chunk of res.body) {
      buf += chunk.toString();
      seen.length = 0;
      for (const m of buf.matchAll(/^data: (\{"seq".*)$/gm)) seen.push(JSON.parse(m[1]!).text);
    }
    return buf;
  })();
  return { seen, done };
}

/**
 * The state dir as a Worker of the same name sees it, without our code: what the version with one
 * log object per job left behind is written here, and R2 is listed. The control plane is stopped.
 */
function rawState<T>(stateDir: string, act: (call: (path: string, body?: unknown) => Promise<any>) => Promise<T>): Promise<T> {
  const script = `
    import { DurableObject } from 'cloudflare:workers';
    export class ClusterDO extends DurableObject {
      unmark() { this.ctx.storage.sql.exec("DELETE FROM meta WHERE k = 'logs_sharded_since'"); }
    }
    export class LogDO extends DurableObject {
      async writeOld({ job, lines, chunk, alarmAt }) {
        const sql = this.ctx.storage.sql;
        sql.exec('CREATE TABLE IF NOT EXISTS lines (run INTEGER NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL, stream TEXT NOT NULL, text TEXT NOT NULL, PRIMARY KEY (run, seq))');
        sql.exec('CREATE TABLE IF NOT EXISTS chunks (run INTEGER NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL, key TEXT NOT NULL, PRIMARY KEY (run, first))');
        sql.exec('CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)');
        sql.exec("INSERT INTO meta (k, v) VALUES ('job', ?)", job);
        for (const l of lines) sql.exec('INSERT INTO lines (run, seq, ts, stream, text) VALUES (?, ?, ?, ?, ?)', l.run, l.seq, l.ts, l.stream, l.text);
        if (chunk) {
          await this.env.ARTIFACTS.put(chunk.key, chunk.lines.map((l) => JSON.stringify(l)).join('\\n') + '\\n');
          sql.exec('INSERT INTO chunks (run, first, last, key) VALUES (?, ?, ?, ?)', chunk.run, chunk.lines[0].seq, chunk.lines[chunk.lines.length - 1].seq, chunk.key);
        }
        await this.ctx.storage.setAlarm(alarmAt);
      }
      async alarm() { throw new Error('not here'); }
    }
    export default {
      async fetch(req, env) {
        const path = new URL(req.url).pathname;
        const body = req.method === 'POST' ? await req.json() : null;
        if (path === '/unmark') await env.CLUSTER.get(env.CLUSTER.idFromName('default')).unmark();
        if (path === '/old') await env.LOGS.get(env.LOGS.idFromName(body.job)).writeOld(body);
        if (path === '/r2') return Response.json((await env.ARTIFACTS.list({ prefix: 'logs/' })).objects.map((o) => o.key));
        return Response.json(true);
      },
    };`;
  return rawStateWorker(stateDir, script, act);
}

describe('jobs sharing a shard', () => {
  it('keep their own lines, each batch stored once, and their own live followers', async () => {
    const p = await start(newStateDir());
    try {
      const [x1, x2, y, z] = idsIn('idem', 2, 2);
      expect(logShardName(x1!)).toBe(logShardName(x2!));
      expect(new Set([x1, y, z].map((id) => logShardName(id!))).size).toBe(3);
      const held = new Map<string, { agentId: string; leaseId: string }>();
      for (const id of [x1!, x2!, y!, z!]) {
        const h = await leased(p, id);
        held.set(id, h);
        const batch = { leaseId: h.leaseId, run: 1, lines: lines(id, [1, 2, 3]) };
        expect((await p.agent.appendLogs(id, batch)).stored).toBe(3);
        expect(await p.agent.appendLogs(id, batch)).toEqual({ stored: 0, lastSeq: 3 }); // resent after a cut
        expect(await p.agent.appendLogs(id, { leaseId: h.leaseId, run: 1, lines: lines(id, [3, 4]) })).toEqual({ stored: 1, lastSeq: 4 });
      }
      for (const id of [x1!, x2!, y!, z!]) expect(await texts(p, id)).toEqual([1, 2, 3, 4].map((s) => `${id} ${s}`));
      expect((await p.client.getLogs(x1!, { after: 2 })).lines.map((l) => l.seq)).toEqual([3, 4]);

      const f = await follow(p, x1!);
      await waitFor(async () => f.seen.length === 4, 5000);
      await p.agent.appendLogs(x2!, { leaseId: held.get(x2!)!.leaseId, run: 1, lines: lines(x2!, [5]) });
      await p.agent.appendLogs(x1!, { leaseId: held.get(x1!)!.leaseId, run: 1, lines: lines(x1!, [5]) });
      await waitFor(async () => f.seen.includes(`${x1} 5`), 5000);
      await p.agent.complete(held.get(x1!)!.agentId, [{ leaseId: held.get(x1!)!.leaseId, status: 'COMPLETED', exitCode: 0 }]);
      const all = await f.done;
      expect(f.seen).toEqual([1, 2, 3, 4, 5].map((s) => `${x1} ${s}`));
      expect(all).toMatch(/event: end\ndata: \{"run":1,"status":"COMPLETED"\}/);
    } finally {
      await stop(p);
    }
  });
});

describe('the retention sweep of a shard', () => {
  it('deletes each log silent for a retention period, its R2 chunks included, and keeps a busy neighbour', async () => {
    const stateDir = newStateDir();
    const p = await start(stateDir, { JOB_RETENTION_MS: '2000', LOG_MAX_LINES: '20' });
    const [big, small, busy] = idsIn('sweep', 3, 0);
    let busyLines = 0;
    try {
      const h = { big: await leased(p, big!), small: await leased(p, small!), busy: await leased(p, busy!) };
      for (let b = 0; b < 5; b++) await p.agent.appendLogs(big!, { leaseId: h.big.leaseId, run: 1, lines: lines(big!, Array.from({ length: 10 }, (_, i) => b * 10 + i + 1)) });
      await p.agent.appendLogs(small!, { leaseId: h.small.leaseId, run: 1, lines: lines(small!, [1]) });
      expect(await texts(p, big!)).toHaveLength(50);
      // The big log rolled its oldest lines to R2 (one file per object beside the payload).
      expect(readdirSync(join(stateDir, 'r2', 'ARTIFACTS', 'blobs')).length).toBeGreaterThanOrEqual(4);
      const keepWriting = () => p.agent.appendLogs(busy!, { leaseId: h.busy.leaseId, run: 1, lines: lines(busy!, [++busyLines]) });
      await waitFor(async () => {
        await keepWriting();
        return (await texts(p, big!)).length === 0 && (await texts(p, small!)).length === 0;
      }, 20_000, 300);
      await keepWriting();
      expect(busyLines).toBeGreaterThan(5); // it wrote on through more than one retention period
      expect(await texts(p, busy!)).toEqual(Array.from({ length: busyLines }, (_, i) => `${busy} ${i + 1}`));
    } finally {
      await stop(p);
    }
    const keys: string[] = await rawState(stateDir, (call) => call('/r2'));
    expect(keys.filter((k) => k.startsWith(`logs/${encodeURIComponent(big!)}/`))).toEqual([]);
  });
});

describe('a state dir from the version with one log object per job', () => {
  it('still serves those logs, merged with the lines written since, until their own retention ends', async () => {
    const stateDir = newStateDir();
    let p = await start(stateDir);
    const h = { running: await leased(p, 'old-running'), done: await leased(p, 'old-done'), expiring: await leased(p, 'old-expiring') };
    await p.agent.complete(h.done.agentId, [{ leaseId: h.done.leaseId, status: 'COMPLETED', exitCode: 0 }]);
    await stop(p);
    const old = (seqs: number[], job: string) => lines(job, seqs).map((l) => ({ ...l, run: 1 }));
    await rawState(stateDir, async (call) => {
      await call('/unmark'); // as the older version left it: its jobs, no mark
      const far = Date.now() + 3_600_000;
      await call('/old', { job: 'old-running', lines: old([1, 2], 'old-running'), alarmAt: far });
      await call('/old', { job: 'old-done', lines: old([3], 'old-done'), chunk: { key: 'logs/old-done/1/000000000001.jsonl', run: 1, lines: lines('old-done', [1, 2]) }, alarmAt: far });
      await call('/old', { job: 'old-expiring', lines: old([1], 'old-expiring'), alarmAt: Date.now() + 6_000 });
    });
    p = await start(stateDir);
    try {
      expect(await texts(p, 'old-done')).toEqual(['old-done 1', 'old-done 2', 'old-done 3']);
      expect(await texts(p, 'old-done', { run: 1 })).toHaveLength(3);
      expect((await p.client.getLogs('old-done', { after: 1 })).lines.map((l) => l.seq)).toEqual([2, 3]);
      // The run that straddles the upgrade: its first lines in the old object, the rest in the shard.
      await p.agent.appendLogs('old-running', { leaseId: h.running.leaseId, run: 1, lines: lines('old-running', [3]) });
      expect(await texts(p, 'old-running')).toEqual(['old-running 1', 'old-running 2', 'old-running 3']);
      const f = await follow(p, 'old-running');
      await waitFor(async () => f.seen.length === 3, 5000);
      await p.agent.appendLogs('old-running', { leaseId: h.running.leaseId, run: 1, lines: lines('old-running', [4]) });
      await waitFor(async () => f.seen.includes('old-running 4'), 5000);
      await p.agent.complete(h.running.agentId, [{ leaseId: h.running.leaseId, status: 'COMPLETED', exitCode: 0 }]);
      expect(await f.done).toMatch(/event: end\ndata: \{"run":1,"status":"COMPLETED"\}/);
      expect(f.seen).toEqual(['old-running 1', 'old-running 2', 'old-running 3', 'old-running 4']);
      // A job submitted since is read from its shard alone: reading it creates no per-job object.
      const logObjects = () => readdirSync(join(stateDir, 'do', 'titan-LogDO')).filter((f) => f.endsWith('.sqlite')).length;
      const quiet = idsIn('new-quiet', 1, 15).find((id) => logShardName(id) === logShardName('old-running'))!; // a shard that exists
      await p.client.submitJob({ id: quiet, file: 'a.py', payloadB64: b64('x'), requirement: 'NOBODY' });
      const before = logObjects();
      expect(await texts(p, quiet)).toEqual([]);
      expect(logObjects()).toBe(before);
      // An old object deletes itself when its own retention alarm fires.
      expect(await texts(p, 'old-expiring')).toEqual(['old-expiring 1']);
      await waitFor(async () => (await texts(p, 'old-expiring')).length === 0, 20_000, 250);
    } finally {
      await stop(p);
    }
  });
});

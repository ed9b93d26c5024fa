import { settingsOf } from '../config';
import type { LogsResponse } from '../contract/logs';
import type { Env } from '../env';
import { apiError, relay, route, type App } from './http';
import { streamUntilEnd } from './logFollow';
import { cluster, logsFor } from './stubs';

/**
 * A job's log lines, and whether the scheduler knows the job. Read from the shard while the
 * scheduler is asked; a job first seen before logs were sharded is read again with its old
 * per-job object merged in (rare, and only for state dirs of an older version).
 */
export async function readJobLog(env: Env, id: string, run: number | null, after: number, limit: number): Promise<{ known: boolean; log: LogsResponse }> {
  const shard = logsFor(env, id);
  const [facts, r] = await Promise.all([cluster(env).logFacts(id), shard.read(id, run, after, limit)]);
  const read = facts.legacyLog ? await shard.read(id, run, after, limit, true) : r;
  return { known: facts.known, log: { jobId: id, ...read } };
}

export function mountLogs(app: App): void {
  route(app, 'appendLogs', async (c, req) => {
    const id = c.req.param('id')!;
    // Only the lease holder writes a job's log: 404 for an unknown job, 409 for a stale lease; nothing stored.
    const writer = await cluster(c.env).logWriter(id, req.leaseId, req.run);
    if (!writer.ok) return relay(c, writer);
    const { stored, lastSeq } = await logsFor(c.env, id).append(id, req.run, req.lines, true);
    return c.json({ stored, lastSeq: lastSeq! });
  });
  route(app, 'getLogs', async (c, _, { after, run, limit }) => {
    const id = c.req.param('id')!;
    const { known, log } = await readJobLog(c.env, id, run ?? null, after, limit);
    // An unknown id is a 404 (not an empty log), so clients can tell a typo from a quiet job.
    if (!known && log.lines.length === 0) return apiError(c, 404, 'not_found', `no job ${id}`);
    return c.json(log);
  });
  route(app, 'followLogs', async (c, _, q) => {
    const id = c.req.param('id')!;
    const stub = cluster(c.env);
    const [job, facts] = await Promise.all([stub.getJob(id, false), stub.logFacts(id)]);
    if (!job.ok) return relay(c, job);
    const run = q.run ?? job.value.run;
    // Name the job and the run: the shard alone would pick the newest run it has lines of, maybe an older one.
    const url = new URL(c.req.url);
    url.searchParams.set('job', id);
    url.searchParams.set('run', String(run));
    url.searchParams.set('legacy', facts.legacyLog ? '1' : '0');
    const upstream = await logsFor(c.env, id).fetch(new Request(url, { signal: c.req.raw.signal }));
    if (!upstream.body) return upstream;
    const maxWaitMs = 2 * settingsOf(c.env).heartbeatMs;
    return new Response(streamUntilEnd(upstream.body, () => stub.followFacts(id), run, maxWaitMs), { headers: upstream.headers });
  });
}

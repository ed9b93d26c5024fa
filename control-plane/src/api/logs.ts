import { settingsOf } from '../config';
import { apiError, relay, route, type App } from './http';
import { streamUntilEnd } from './logFollow';
import { cluster, logsFor } from './stubs';

export function mountLogs(app: App): void {
  route(app, 'appendLogs', async (c, req) => {
    const id = c.req.param('id')!;
    // Only the lease holder writes a job's log: 404 for an unknown job, 409 for a stale lease; nothing stored.
    const writer = await cluster(c.env).logWriter(id, req.leaseId, req.run);
    if (!writer.ok) return relay(c, writer);
    return c.json(await logsFor(c.env, id).append(id, req.run, req.lines));
  });
  route(app, 'getLogs', async (c, _, { after, run, limit }) => {
    const id = c.req.param('id')!;
    // An unknown id is a 404 (not an empty log), so clients can tell a typo from a quiet job.
    const [known, r] = await Promise.all([cluster(c.env).hasJob(id), logsFor(c.env, id).read(run ?? null, after, limit)]);
    if (!known && r.lines.length === 0) return apiError(c, 404, 'not_found', `no job ${id}`);
    return c.json({ jobId: id, ...r });
  });
  route(app, 'followLogs', async (c, _, q) => {
    const id = c.req.param('id')!;
    const stub = cluster(c.env);
    const job = await stub.getJob(id, false);
    if (!job.ok) return relay(c, job);
    const run = q.run ?? job.value.run;
    // Name the run: the LogDO alone would pick the newest run it has lines of, maybe an older one.
    const url = new URL(c.req.url);
    url.searchParams.set('run', String(run));
    const upstream = await logsFor(c.env, id).fetch(new Request(url, { signal: c.req.raw.signal }));
    if (!upstream.body) return upstream;
    const maxWaitMs = 2 * settingsOf(c.env).heartbeatMs;
    return new Response(streamUntilEnd(upstream.body, () => stub.followFacts(id), run, maxWaitMs), { headers: upstream.headers });
  });
}

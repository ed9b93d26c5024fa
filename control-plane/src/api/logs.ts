import { apiError, route, type App } from './http';
import { cluster, logsFor } from './stubs';

export function mountLogs(app: App): void {
  route(app, 'appendLogs', async (c, req) => {
    const id = c.req.param('id')!;
    return c.json(await logsFor(c.env, id).append(id, req.run, req.lines));
  });
  route(app, 'getLogs', async (c, _, { after, run, limit }) => {
    const id = c.req.param('id')!;
    // An unknown id is a 404 (not an empty log), so clients can tell a typo from a quiet job.
    const [known, r] = await Promise.all([cluster(c.env).hasJob(id), logsFor(c.env, id).read(run ?? null, after, limit)]);
    if (!known && r.lines.length === 0) return apiError(c, 404, 'not_found', `no job ${id}`);
    return c.json({ jobId: id, ...r });
  });
  route(app, 'followLogs', async (c) => {
    const id = c.req.param('id')!;
    return logsFor(c.env, id).fetch(new Request(c.req.url, { signal: c.req.raw.signal }));
  });
}

import { apiError, intParam, route, type App } from './http';
import { cluster, logsFor } from './stubs';

export function mountLogs(app: App): void {
  route(app, 'appendLogs', async (c, req) => {
    const id = c.req.param('id')!;
    return c.json(await logsFor(c.env, id).append(id, req.run, req.lines));
  });
  route(app, 'getLogs', async (c) => {
    const id = c.req.param('id')!;
    const run = c.req.query('run') ? intParam(c, 'run', 1) : null;
    const limit = Math.min(Math.max(intParam(c, 'limit', 10_000), 1), 50_000);
    // An unknown id is a 404 (not an empty log), so clients can tell a typo from a quiet job.
    const [known, r] = await Promise.all([cluster(c.env).hasJob(id), logsFor(c.env, id).read(run, intParam(c, 'after', 0), limit)]);
    if (!known && r.lines.length === 0) return apiError(c, 404, 'not_found', `no job ${id}`);
    return c.json({ jobId: id, ...r });
  });
  route(app, 'followLogs', async (c) => {
    const id = c.req.param('id')!;
    return logsFor(c.env, id).fetch(new Request(c.req.url, { signal: c.req.raw.signal }));
  });
}

import { intParam, route, type App } from './http';
import { logsFor } from './stubs';

export function mountLogs(app: App): void {
  route(app, 'appendLogs', async (c, req) => {
    const id = c.req.param('id')!;
    return c.json(await logsFor(c.env, id).append(id, req.run, req.lines));
  });
  route(app, 'getLogs', async (c) => {
    const id = c.req.param('id')!;
    const run = c.req.query('run') ? intParam(c, 'run', 1) : null;
    const limit = Math.min(Math.max(intParam(c, 'limit', 10_000), 1), 50_000);
    const r = await logsFor(c.env, id).read(run, intParam(c, 'after', 0), limit);
    return c.json({ jobId: id, ...r });
  });
  route(app, 'followLogs', async (c) => {
    const id = c.req.param('id')!;
    return logsFor(c.env, id).fetch(new Request(c.req.url, { signal: c.req.raw.signal }));
  });
}

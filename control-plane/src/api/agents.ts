import { relay, route, type App } from './http';
import { cluster } from './stubs';

export function mountAgents(app: App): void {
  route(app, 'registerAgent', async (c, req) => c.json(await cluster(c.env).register(req)));
  route(app, 'lease', async (c, req) => relay(c, await cluster(c.env).lease(c.req.param('id')!, req.max, req.waitMs, req.complete, req.held)));
  route(app, 'heartbeat', async (c, req) => relay(c, await cluster(c.env).heartbeat(c.req.param('id')!, req)));
  route(app, 'complete', async (c, req) => relay(c, await cluster(c.env).complete(c.req.param('id')!, req.results, req.max, req.held)));
  route(app, 'deregister', async (c) => relay(c, await cluster(c.env).deregister(c.req.param('id')!)));
  route(app, 'listAgents', async (c) => c.json({ agents: await cluster(c.env).listAgents() }));
  route(app, 'stats', async (c) => c.json(await cluster(c.env).stats()));
  route(app, 'demand', async (c) => c.json(await cluster(c.env).demand()));
}

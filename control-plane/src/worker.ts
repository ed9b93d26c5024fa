import { Hono } from 'hono';
import type { Env } from './env';
import { buildOpenApi } from './contract/openapi';
import { mountAgents } from './api/agents';
import { mountArtifacts } from './api/artifacts';
import { apiError, route, type AppEnv } from './api/http';
import { mountJobs } from './api/jobs';
import { mountMcp } from './api/mcp';
import { mountSchedules } from './api/schedules';
import { mountLogs } from './api/logs';
import { answerKvFast, mountStore } from './api/store';
import { mountDashboard } from './dashboard';

export { ClusterDO } from './cluster/ClusterDO';
export { StoreDO } from './store/StoreDO';
export { LogDO } from './logs/LogDO';

const app = new Hono<AppEnv>();

let openapi: Record<string, unknown> | null = null;
route(app, 'health', (c) => c.json({ ok: true }));
route(app, 'openapi', (c) => c.json((openapi ??= buildOpenApi())));
route(app, 'whoami', (c) => c.json({ role: c.get('role') }));
mountJobs(app);
mountSchedules(app);
mountAgents(app);
mountStore(app);
mountLogs(app);
mountArtifacts(app);
mountMcp(app);
mountDashboard(app);

app.notFound((c) => apiError(c, 404, 'not_found', `no route ${c.req.method} ${new URL(c.req.url).pathname}`));
app.onError((err, c) => apiError(c, 500, 'internal', err instanceof Error ? err.message : String(err)));

// The store's GET/PUT of one string is answered before the router (api/store.ts says why).
export default {
  async fetch(req, env, ctx) {
    return (await answerKvFast(req, env)) ?? app.fetch(req, env, ctx);
  },
} satisfies ExportedHandler<Env>;

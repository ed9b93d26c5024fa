import { ScheduleName } from '../contract/schedules';
import type { Result } from '../lib/result';
import { apiError, relay, route, type App, type Ctx } from './http';
import { prepare } from './jobs';
import { cluster } from './stubs';

/** The `{name}` of a schedule route, checked like a body field (a bad one is a 400 that changes nothing). */
function nameOf(c: Ctx): string | Response {
  const r = ScheduleName.safeParse(c.req.param('name'));
  return r.success ? r.data : apiError(c, 400, 'bad_request', `name: ${r.error.issues[0]!.message}`);
}

/** A route on one schedule: its name checked, the scheduler's answer relayed (a view wrapped as `{ schedule }`). */
const onSchedule =
  <T>(call: (c: Ctx, name: string) => Promise<Result<T>>, wrap: boolean) =>
  async (c: Ctx) => {
    const name = nameOf(c);
    if (name instanceof Response) return name;
    const r: Result<unknown> = await call(c, name);
    return relay(c, r.ok && wrap ? { ok: true, value: { schedule: r.value } } : r);
  };

export function mountSchedules(app: App): void {
  route(app, 'putSchedule', async (c, spec) => {
    const name = nameOf(c);
    if (name instanceof Response) return name;
    // Checked whole before any payload of the template is stored; a template's ids are its own (each
    // tick prefixes them), so they are not checked against the jobs that exist.
    const check = await cluster(c.env).checkSchedule(name, spec);
    if (!check.ok) return relay(c, check);
    const template = await prepare(c, spec.dag.jobs, async () => check);
    if (template instanceof Response) return template;
    const r = await cluster(c.env).putSchedule(name, spec, template);
    return relay(c, r.ok ? { ok: true, value: { schedule: r.value } } : r);
  });
  route(app, 'listSchedules', async (c) => c.json({ schedules: await cluster(c.env).listSchedules() }));
  route(app, 'getSchedule', onSchedule((c, n) => cluster(c.env).getSchedule(n), true));
  route(app, 'deleteSchedule', onSchedule((c, n) => cluster(c.env).deleteSchedule(n), false));
  route(app, 'pauseSchedule', onSchedule((c, n) => cluster(c.env).pauseSchedule(n, true), true));
  route(app, 'resumeSchedule', onSchedule((c, n) => cluster(c.env).pauseSchedule(n, false), true));
  route(app, 'runSchedule', onSchedule((c, n) => cluster(c.env).runSchedule(n), false));
}

/** The TS client's schedule and approval helpers: each sends its route's method, path and body. */
import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { TitanApiError, TitanHttpClient } from '../../sdk/ts/client';

const URL_ = 'http://titan.test';
const view = { name: 'n', cron: '@every 2s', timezone: 'UTC', missed: 'skip', overlap: 'skip', paused: false, jobs: 1, createdAt: 1, nextAt: 2, runs: 0, lastTickAt: null, lastDag: null, lastState: null, lastNote: null };
const job = { id: 'g1' };

let mock: MockAgent;
afterEach(async () => mock?.close());

/** A client whose every request is recorded and answered with `reply`. */
function clientAnswering(reply: (path: string) => { status: number; body: unknown }) {
  mock = new MockAgent();
  mock.disableNetConnect();
  const seen: { method: string; path: string; body: unknown; auth: string }[] = [];
  mock
    .get(URL_)
    .intercept({ path: () => true, method: () => true })
    .reply((opts) => {
      const headers = opts.headers as Record<string, string>;
      seen.push({ method: opts.method, path: opts.path, body: opts.body ? JSON.parse(String(opts.body)) : undefined, auth: headers.authorization });
      const r = reply(opts.path);
      return { statusCode: r.status, data: JSON.stringify(r.body), responseOptions: { headers: { 'content-type': 'application/json' } } };
    })
    .persist();
  return { client: new TitanHttpClient({ url: URL_, token: 'tok', dispatcher: mock }), seen };
}

describe('schedule helpers', () => {
  it('send the schedule routes', async () => {
    const { client, seen } = clientAnswering((path) => ({ status: 200, body: path === '/v1/schedules' ? { schedules: [view] } : path.endsWith('/run') ? { schedule: view, dag: 'D1' } : path === '/v1/schedules/n' && seen.at(-1)!.method === 'DELETE' ? { ok: true } : { schedule: view } }));
    expect((await client.putSchedule('n', { cron: '@every 2s', dag: { jobs: [{ id: 'a', file: 'a.py', payloadB64: 'cHJpbnQoMSk=' }] } })).schedule.name).toBe('n');
    expect((await client.listSchedules()).schedules).toHaveLength(1);
    await client.getSchedule('n');
    await client.pauseSchedule('n');
    await client.resumeSchedule('n');
    expect((await client.runSchedule('n')).dag).toBe('D1');
    await client.deleteSchedule('n');
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      'PUT /v1/schedules/n', 'GET /v1/schedules', 'GET /v1/schedules/n', 'POST /v1/schedules/n/pause', 'POST /v1/schedules/n/resume', 'POST /v1/schedules/n/run', 'DELETE /v1/schedules/n',
    ]);
    expect(seen[0].body).toMatchObject({ cron: '@every 2s', dag: { jobs: [{ id: 'a', file: 'a.py' }] } });
    expect(seen.every((s) => s.auth === 'Bearer tok')).toBe(true);
  });

  it("raise the API's error", async () => {
    const { client } = clientAnswering(() => ({ status: 404, body: { error: 'not_found', message: 'no schedule zz' } }));
    await expect(client.pauseSchedule('zz')).rejects.toThrow(TitanApiError);
    await expect(client.pauseSchedule('zz')).rejects.toThrow(/no schedule zz/);
  });
});

describe('approval helpers', () => {
  it('send who decided and why', async () => {
    const { client, seen } = clientAnswering(() => ({ status: 200, body: { job } }));
    await client.approveJob('g1', { by: 'ci', reason: 'green' });
    await client.rejectJob('g 2');
    expect(seen.map((s) => [s.method, s.path, s.body])).toEqual([
      ['POST', '/v1/jobs/g1/approve', { by: 'ci', reason: 'green' }],
      ['POST', '/v1/jobs/g%202/reject', {}],
    ]);
  });
});

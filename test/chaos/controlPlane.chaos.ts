// Chaos: restart the control plane's runtime (stop workerd, start it again on the same state dir
// and port) while jobs are queued, running and half-way through a DAG, with an outage shorter than
// the lease and one longer. The agents keep running and reconnect. Every job must end COMPLETED,
// no body may complete twice, and a child's body must start only after its parents' completed.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobView } from '../../control-plane/src/contract/jobs';
import { startTestPlane, type TestPlane } from '../helpers/controlPlane';
import { hasLocalControlPlane, py, spawnAgentProcess, tmpdir, waitFor } from '../agent/helpers';
import { markedBody } from './marks';
import { record } from './report';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

const SLEEP_S = 2;
const BODY = markedBody(SLEEP_S);


/** The epoch-ms stamps in one mark file, in order. */
const stamps = (file: string): number[] =>
  fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => Number(l.split(' ')[1])) : [];

/** A 3-level DAG: 4 roots, 4 middles with two parents each, 4 leaves with two parents each. */
function dagShape(prefix: string): Array<{ id: string; parents: string[] }> {
  const level = (n: number) => [0, 1, 2, 3].map((i) => `${prefix}-l${n}-${i}`);
  const [l1, l2, l3] = [level(1), level(2), level(3)];
  const two = (ps: string[], i: number) => [ps[i], ps[(i + 1) % 4]];
  return [...l1.map((id) => ({ id, parents: [] })), ...l2.map((id, i) => ({ id, parents: two(l1, i) })), ...l3.map((id, i) => ({ id, parents: two(l2, i) }))];
}

interface Variant {
  name: string;
  leaseTtlMs: number;
  /** Extra downtime on top of the runtime's own stop and start. */
  downMs: number;
  /** Whether the measured outage must be longer (true) or shorter (false) than the lease. */
  longer: boolean;
}

async function scenario(v: Variant): Promise<void> {
  const vars = { LEASE_TTL_MS: String(v.leaseTtlMs), HEARTBEAT_MS: '500', AGENT_SILENT_MS: String(v.leaseTtlMs + 1000), RETRY_BASE_MS: '50' };
  const cp: TestPlane = await startTestPlane(vars);
  cleanups.push(() => cp.dispose());
  const marks = tmpdir('chaos-cp-marks');
  const agentOut: Array<() => string> = [];
  const agents = [0, 1].map((i) => {
    const a = spawnAgentProcess(['--url', cp.url, '--token', cp.agentToken, '--name', `chaos-cp-${i}`, '--slots', '2', '--workdir', tmpdir('chaos-cp-agent')]);
    cleanups.push(() => a.proc.kill('SIGKILL'));
    agentOut.push(a.output);
    return a;
  });
  await Promise.all(agents.map((a) => a.ready));

  const prefix = `cp${Date.now().toString(36)}`;
  const shape = dagShape(prefix);
  const spec = (extra: object) => py(BODY, { maxRetries: 5, env: { CHAOS_DIR: marks }, ...extra });
  await cp.client.submitDag({ jobs: shape.map((n) => spec({ id: n.id, parents: n.parents })) });
  // Four more on their own, so some work is still queued behind the busy slots at the restart.
  const loose: string[] = [];
  for (let i = 0; i < 4; i++) loose.push((await cp.client.submitJob(spec({}))).job.id);
  const ids = [...shape.map((n) => n.id), ...loose];

  // Restart when the DAG is half-way (a root completed, a middle body mid-run) and work is queued.
  const mark = (id: string, kind: string) => path.join(marks, `${id}${kind}`);
  const atRestart = await waitFor('the DAG half-way, with jobs running and queued', async () => {
    const jobs = await Promise.all(ids.map(async (id) => (await cp.client.getJob(id)).job));
    const count = (s: string) => jobs.filter((j) => j.state === s).length;
    const now = Date.now();
    const middleMidRun = shape.slice(4, 8).some((n) => {
      const s = stamps(mark(n.id, '.started'));
      return s.length > 0 && stamps(mark(n.id, '.done')).length === 0 && now - s[0] < (SLEEP_S - 0.8) * 1000;
    });
    return middleMidRun && count('COMPLETED') > 0 && count('QUEUED') + count('PENDING') > 0 && count('RUNNING') > 0
      ? { completed: count('COMPLETED'), running: count('RUNNING'), waiting: count('QUEUED') + count('PENDING') }
      : undefined;
  }, 60_000, 50);

  const down = Date.now();
  await cp.restart(v.downMs);
  const outageMs = Date.now() - down;
  console.log(`${v.name}: outage ${outageMs} ms (lease ${v.leaseTtlMs} ms) at ${JSON.stringify(atRestart)}`);

  let views: JobView[] = [];
  await waitFor('every job to end', async () => {
    views = await Promise.all(ids.map(async (id) => (await cp.client.getJob(id)).job));
    return views.every((j) => ['COMPLETED', 'DEAD', 'CANCELLED'].includes(j.state));
  }, 90_000, 250).catch((err: Error) => {
    const open = views.filter((j) => j.state !== 'COMPLETED').map((j) => `${j.id} ${j.state} ${JSON.stringify(j.history?.slice(-3))}`);
    console.log(`${open.join('\n')}\n${agentOut.map((o) => o()).join('\n=====\n')}`);
    throw err;
  });

  const done = new Map(ids.map((id) => [id, stamps(mark(id, '.done'))]));
  const started = new Map(ids.map((id) => [id, stamps(mark(id, '.started'))]));
  // A child body that started before one of its parents' bodies had completed.
  const early = shape.filter((n) => n.parents.length > 0 && started.get(n.id)!.some((s) => n.parents.some((p) => !(done.get(p)!.length > 0 && done.get(p)![0] <= s))));
  const figures = {
    completed: views.filter((j) => j.state === 'COMPLETED').length,
    started: [...started.values()].reduce((a, s) => a + s.length, 0),
    completedBodies: [...done.values()].reduce((a, s) => a + s.length, 0),
    lost: [...done.values()].filter((s) => s.length === 0).length,
    duplicated: [...done.values()].filter((s) => s.length > 1).length,
    rerun: [...started.values()].filter((s) => s.length > 1).length,
  };
  console.log(`chaos ${JSON.stringify({ variant: v.name, outageMs, ...figures, early: early.map((n) => n.id) })}`);
  record({
    case: `control-plane restart: ${v.name}`,
    faults: 1,
    jobs: ids.length,
    executions: figures.started,
    lost: figures.lost,
    duplicated: figures.duplicated,
    notes: `outage ${outageMs} ms, lease ${v.leaseTtlMs} ms; at restart ${atRestart.completed} done/${atRestart.running} running/${atRestart.waiting} waiting; ${figures.rerun} bodies restarted; ${early.length} DAG order violations`,
  });
  if (v.longer) expect(outageMs).toBeGreaterThan(v.leaseTtlMs);
  else expect(outageMs).toBeLessThan(v.leaseTtlMs);
  expect(figures.completed).toBe(ids.length);
  expect(figures.lost).toBe(0);
  expect(figures.duplicated).toBe(0);
  expect(early.map((n) => n.id)).toEqual([]);
}

describe.skipIf(!hasLocalControlPlane)('control-plane restart', { timeout: 150_000 }, () => {
  it.each<Variant>([
    // The runtime's own stop and start take a second or two here: the lease must outlast them.
    { name: 'outage shorter than the lease', leaseTtlMs: 10_000, downMs: 2_000, longer: false },
    { name: 'outage longer than the lease', leaseTtlMs: 3_000, downMs: 4_000, longer: true },
  ])('$name: every job completes once, in DAG order', async (v) => {
    await scenario(v);
  });
});

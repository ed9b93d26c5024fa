// Chaos: cut the link between a running `titan agent` and the control plane (a TCP proxy in
// between, test/chaos/proxy.ts) for longer than a lease while the agent runs jobs, then restore it;
// or freeze the agent (SIGSTOP) as long, its jobs running on, then thaw it (C, D: as A, B).
// A: one agent. Nobody can lease its jobs again while it is cut off, so when it is back its lost
//    leases return to it (it names them in its first poll or heartbeat) and the results it finished
//    meanwhile count: every body completes exactly once.
// B: two agents, one cut off. Its jobs are leased again to the other agent; a body the cut-off
//    agent completed during the cut then completes a second time. That is the at-least-once window
//    the README's "Delivery guarantee" names: measured here (notes), not forbidden. Nothing is lost,
//    and no job outside that window completes twice.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobView } from '../../control-plane/src/contract/jobs';
import { hasLocalControlPlane, py, spawnAgentProcess, startCluster, tmpdir, waitFor, type Cluster } from '../agent/helpers';
import { startProxy } from './proxy';
import { markedBody, markLines } from './marks';
import { record } from './report';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

const LEASE_TTL_MS = 3000;
const SLEEP_S = 2;
const BODY = markedBody(SLEEP_S);

interface Variant {
  name: string;
  /** A second agent with a direct link, which can take the cut-off agent's jobs. */
  direct: boolean;
  jobs: number;
  /** Freeze the agent process (SIGSTOP … SIGCONT) instead of cutting its link: its jobs run on. */
  freeze?: boolean;
}

async function scenario(v: Variant): Promise<void> {
  const c: Cluster = await startCluster({ LEASE_TTL_MS: String(LEASE_TTL_MS), HEARTBEAT_MS: '500', AGENT_SILENT_MS: '4000', RETRY_BASE_MS: '50' });
  cleanups.push(() => c.stop());
  const proxy = await startProxy({ host: '127.0.0.1', port: Number(new URL(c.url).port) });
  cleanups.push(() => proxy.close());
  const marks = tmpdir('chaos-link-marks');
  const agentOut: Array<() => string> = [];
  const spawnOne = (name: string, url: string) => {
    const a = spawnAgentProcess(['--url', url, '--token', c.agentToken, '--name', name, '--slots', '2', '--workdir', tmpdir('chaos-link-agent')]);
    cleanups.push(() => a.proc.kill('SIGKILL'));
    agentOut.push(a.output);
    return a;
  };
  const victim = 'chaos-link-0';
  const agents = [spawnOne(victim, proxy.url), ...(v.direct ? [spawnOne('chaos-link-1', c.url)] : [])];
  await Promise.all(agents.map((a) => a.ready));

  const ids: string[] = [];
  for (let i = 0; i < v.jobs; i++) ids.push((await c.client.submitJob(py(BODY, { maxRetries: 5, env: { CHAOS_DIR: marks } }))).job.id);
  const mark = (id: string, kind: string) => path.join(marks, `${id}${kind}`);
  const getAll = () => Promise.all(ids.map(async (id) => (await c.client.getJob(id)).job));

  // Cut while the victim holds both its slots, each body mid-sleep (so it completes during the cut).
  const held = await waitFor('the victim to hold two mid-run jobs', async () => {
    const mine = (await c.client.listJobs({ state: 'RUNNING', limit: 500 })).jobs.filter((j: JobView) => j.node === victim);
    const now = Date.now();
    const midRun = mine.every((j) => fs.existsSync(mark(j.id, '.started')) && !fs.existsSync(mark(j.id, '.done')) && now - fs.statSync(mark(j.id, '.started')).mtimeMs < (SLEEP_S - 0.8) * 1000);
    return mine.length === 2 && midRun ? mine.map((j) => j.id) : undefined;
  }, 30_000, 20);
  const cutAt = Date.now();
  if (v.freeze) agents[0].proc.kill('SIGSTOP');
  else proxy.cut();

  // Keep the link down until the victim's leases are lost (longer than a lease) and its bodies have
  // completed behind the cut; with a second agent, until that agent has leased those jobs again.
  await waitFor('the cut to outlast the leases', async () => {
    const jobs = await Promise.all(held.map(async (id) => (await c.client.getJob(id)).job));
    const bodiesDone = held.every((id) => markLines(mark(id, '.done')) > 0);
    const leaseLost = jobs.every((j) => (v.direct ? j.node !== victim && j.node !== null : j.state === 'QUEUED'));
    return bodiesDone && leaseLost && Date.now() - cutAt > LEASE_TTL_MS;
  }, 60_000, 50);
  const cutMs = Date.now() - cutAt;
  if (v.freeze) agents[0].proc.kill('SIGCONT');
  else proxy.restore();

  let views: JobView[] = [];
  await waitFor('every job to end', async () => {
    views = await getAll();
    return views.every((j) => ['COMPLETED', 'DEAD', 'CANCELLED'].includes(j.state));
  }, 90_000, 250).catch((err: Error) => {
    const open = views.filter((j) => j.state !== 'COMPLETED').map((j) => `${j.id} ${j.state} ${JSON.stringify(j.history?.slice(-3))}`);
    console.log(`${open.join('\n')}\n${agentOut.map((o) => o()).join('\n=====\n')}`);
    throw err;
  });
  // The cut-off agent is back on the link (its late results were delivered or refused by now).
  const restoredAt = Date.now();
  await waitFor('the victim to be seen again', async () => {
    const a = (await c.client.listAgents()).agents.find((x) => x.name === victim);
    return a && a.lastSeen > restoredAt ? a : undefined;
  }, 30_000, 100);

  const done = new Map(ids.map((id) => [id, markLines(mark(id, '.done'))]));
  const started = ids.map((id) => markLines(mark(id, '.started')));
  const twice = ids.filter((id) => done.get(id)! > 1);
  // Completing twice is allowed only for a job the cut-off agent held and that was leased again.
  const outsideWindow = v.direct ? twice.filter((id) => !held.includes(id)) : twice;
  const figures = {
    completed: views.filter((j) => j.state === 'COMPLETED').length,
    started: started.reduce((a, b) => a + b, 0),
    completedBodies: [...done.values()].reduce((a, b) => a + b, 0),
    lost: [...done.values()].filter((n) => n === 0).length,
    twice: twice.length,
    outsideWindow: outsideWindow.length,
  };
  console.log(`chaos ${JSON.stringify({ variant: v.name, cutMs, refused: proxy.refused, held, ...figures })}`);
  record({
    case: `${v.freeze ? 'agent frozen' : 'link cut'}: ${v.name}`,
    faults: 1,
    jobs: ids.length,
    executions: figures.started,
    lost: figures.lost,
    duplicated: figures.outsideWindow,
    notes:
      `${v.freeze ? 'frozen' : 'cut'} ${cutMs} ms (lease ${LEASE_TTL_MS} ms) holding ${held.length} jobs; ${figures.completedBodies} bodies completed` +
      (v.direct ? `; at-least-once window (finished during the cut, leased again): ${figures.twice} completed twice` : ''),
  });
  expect(figures.completed).toBe(ids.length);
  expect(figures.lost).toBe(0);
  // With one agent nothing may complete twice; with two, only a job the cut-off agent held and the
  // other agent leased again (the documented window).
  expect(outsideWindow).toEqual([]);
}

describe.skipIf(!hasLocalControlPlane)('agent link cut', { timeout: 150_000 }, () => {
  it.each<Variant>([
    { name: 'A: 1 agent, cut past the lease and restored', direct: false, jobs: 6 },
    { name: 'B: 2 agents, one cut off past the lease', direct: true, jobs: 8 },
    { name: 'C: 1 agent, SIGSTOP past the lease, then SIGCONT', direct: false, jobs: 6, freeze: true },
    { name: 'D: 2 agents, one SIGSTOPped past the lease', direct: true, jobs: 8, freeze: true },
  ])('$name', async (v) => {
    await scenario(v);
  });
});

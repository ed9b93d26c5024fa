// Chaos: SIGKILL a real `titan agent` while it holds several slots. Every job must end COMPLETED
// and every job body must complete exactly once: a job dies with its agent (so a killed attempt
// never finishes behind the control plane's back) and is re-run once its lease is lost.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobView } from '../../control-plane/src/contract/jobs';
import { markedBody, markLines } from './marks';
import { record } from './report';
import { hasLocalControlPlane, py, sleep, spawnAgentProcess, startCluster, tmpdir, waitFor, type Cluster } from '../agent/helpers';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

const SLEEP_S = 1.5;
const BODY = markedBody(SLEEP_S);


interface Variant {
  name: string;
  agents: number;
  slots: number;
  jobs: number;
  restart: boolean;
}

async function scenario(v: Variant): Promise<Record<string, number | string>> {
  const c: Cluster = await startCluster({ LEASE_TTL_MS: '3000', HEARTBEAT_MS: '500', AGENT_SILENT_MS: '4000', RETRY_BASE_MS: '50' });
  cleanups.push(() => c.stop());
  const marks = tmpdir('chaos-marks');
  const agentOut: Array<() => string> = [];
  const spawnOne = (name: string, workdir: string) => {
    const a = spawnAgentProcess(['--url', c.url, '--token', c.agentToken, '--name', name, '--slots', String(v.slots), '--workdir', workdir]);
    cleanups.push(() => a.proc.kill('SIGKILL'));
    agentOut.push(a.output);
    return a;
  };
  const workdirs = Array.from({ length: v.agents }, () => tmpdir('chaos-agent'));
  const agents = workdirs.map((w, i) => spawnOne(`chaos-${i}`, w));
  await Promise.all(agents.map((a) => a.ready));

  const ids: string[] = [];
  for (let i = 0; i < v.jobs; i++) ids.push((await c.client.submitJob(py(BODY, { maxRetries: 5, env: { CHAOS_DIR: marks } }))).job.id);

  // Kill when the victim holds several slots and each of its jobs is mid-sleep (not in the few
  // milliseconds between a completed body and its acknowledged result: that window is at-least-once).
  const victim = 'chaos-0';
  const held = await waitFor('the victim to hold several mid-run jobs', async () => {
    const mine = (await c.client.listJobs({ state: 'RUNNING', limit: 500 })).jobs.filter((j: JobView) => j.node === victim);
    if (mine.length < Math.min(3, v.slots)) return undefined;
    const now = Date.now();
    const midRun = mine.every((j) => {
      const started = path.join(marks, `${j.id}.started`);
      return fs.existsSync(started) && !fs.existsSync(path.join(marks, `${j.id}.done`)) && now - fs.statSync(started).mtimeMs < (SLEEP_S - 0.5) * 1000;
    });
    return midRun ? mine.length : undefined;
  }, 30_000, 20);
  agents[0].proc.kill('SIGKILL');
  if (v.restart) {
    await sleep(200);
    await spawnOne(victim, workdirs[0]).ready;
  }

  const t0 = Date.now();
  let views: JobView[] = [];
  const ended = await waitFor('every job to end', async () => {
    views = await Promise.all(ids.map(async (id) => (await c.client.getJob(id)).job));
    return views.every((j) => ['COMPLETED', 'DEAD', 'CANCELLED'].includes(j.state)) ? views : undefined;
  }, 90_000, 250).catch((err: Error) => {
    const open = views.filter((j) => j.state !== 'COMPLETED').map((j) => `${j.id} ${j.state} ${JSON.stringify(j.history?.slice(-3))}`);
    console.log(`${open.join('\n')}\n${agentOut.map((o) => o()).join('\n=====\n')}`);
    throw err;
  });
  console.log(`all ended ${Date.now() - t0} ms after the kill`);

  const done = ids.map((id) => markLines(path.join(marks, `${id}.done`)));
  const started = ids.map((id) => markLines(path.join(marks, `${id}.started`)));
  const report = {
    variant: v.name,
    faults: 1,
    jobs: ids.length,
    slotsHeldAtKill: held,
    completed: ended.filter((j) => j.state === 'COMPLETED').length,
    bodiesStarted: started.reduce((a, b) => a + b, 0),
    bodiesCompleted: done.reduce((a, b) => a + b, 0),
    rerunAfterKill: started.filter((n) => n > 1).length,
    lost: done.filter((n) => n === 0).length,
    duplicated: done.filter((n) => n > 1).length,
  };
  console.log(`chaos ${JSON.stringify(report)}`);
  record({
    case: `agent SIGKILL: ${v.name}`,
    faults: 1,
    jobs: ids.length,
    executions: report.bodiesStarted,
    lost: report.lost,
    duplicated: report.duplicated,
    notes: `${held} slots held at the kill; ${report.bodiesCompleted} bodies completed`,
  });
  expect(report.completed).toBe(ids.length);
  expect(report.lost).toBe(0);
  expect(report.duplicated).toBe(0);
  expect(report.rerunAfterKill).toBeGreaterThanOrEqual(Math.min(3, v.slots)); // the killed attempts really were re-run
  return report;
}

describe.skipIf(!hasLocalControlPlane)('agent SIGKILL', { timeout: 150_000 }, () => {
  it.each<Variant>([
    { name: '1 agent, restarted under the same name', agents: 1, slots: 4, jobs: 20, restart: true },
    { name: '3 agents, one killed', agents: 3, slots: 3, jobs: 24, restart: false },
  ])('$name: every job completes, no body completes twice', async (v) => {
    await scenario(v);
  });
});

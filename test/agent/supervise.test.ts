// Elastic agents end to end: a real control plane and a real `titan agent --supervise` process.
// A burst of queued jobs makes it grow to its limit of ephemeral agents; once the queue is empty
// they retire after their idle time and leave the cluster, while the supervisor's own agent stays.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DemandResponse } from '../../control-plane/src/contract/resources';
import { startTestPlane } from '../helpers/controlPlane';
import { hasLocalControlPlane, pidAlive, sleep, spawnAgentProcess, tmpdir, waitFor } from './helpers';

const MAX = 3;
const JOBS = 12;

describe.skipIf(!hasLocalControlPlane)('titan agent --supervise', () => {
  it('grows to --max-ephemeral under a burst, reports the backlog, and shrinks back when idle', async () => {
    const plane = await startTestPlane({ DEMAND_BACKLOG_JOBS: '1', DEMAND_BACKLOG_MS: '500', RETRY_BASE_MS: '50' });
    const env = { ...process.env, TITAN_AGENT_TOKEN: plane.agentToken, TITAN_TOKEN: plane.clientToken };
    const sup = spawnAgentProcess(
      ['--url', plane.url, '--name', 'sup', '--slots', '1', '--supervise', '--max-ephemeral', String(MAX), '--idle-exit', '2', '--scale-after', '1', '--python-zygote', 'off', '--workdir', tmpdir('sup')],
      env,
    );
    const childPids = () => [...sup.output().matchAll(/supervisor: started \S+ \(pid (\d+)\)/g)].map((m) => Number(m[1]));
    let passed = false;
    try {
      await sup.ready;

      const ids: string[] = [];
      for (let i = 0; i < JOBS; i++) ids.push((await plane.client.submitJob({ file: 'nap.sh', payloadB64: Buffer.from('sleep 1.5\n').toString('base64') })).job.id);

      // Watch the fleet and the demand route while the burst runs.
      let peak = 0;
      let sawBacklog: DemandResponse | undefined;
      let watching = true;
      let watchError: Error | undefined;
      const watch = (async () => {
        while (watching) {
          try {
            const [agents, demand] = await Promise.all([plane.client.listAgents(), plane.agent.call('demand', {})]);
            peak = Math.max(peak, agents.agents.filter((a) => a.ephemeral && a.alive).length);
            const general = demand.groups.find((g) => g.requirement === 'GENERAL' && g.gpus === 0 && g.cpus === 0 && g.memoryMb === 0);
            if (!sawBacklog && demand.backlogged && general && general.queued > 0 && general.backlogged) sawBacklog = demand;
          } catch (err) {
            watchError = err as Error;
          }
          await sleep(150);
        }
      })();
      try {
        await waitFor(
          'every job to complete',
          async () => {
            const states = await Promise.all(ids.map(async (id) => (await plane.client.getJob(id)).job.state));
            if (states.some((s) => s === 'DEAD' || s === 'CANCELLED')) throw new Error(`a job ended badly: ${states.join(',')}`);
            return states.every((s) => s === 'COMPLETED');
          },
          60_000,
          250,
        );
      } finally {
        watching = false;
        await watch;
      }

      expect(sawBacklog, `GET /v1/demand reported the burst (last error: ${watchError?.message ?? 'none'})`).toBeDefined();
      expect(peak).toBe(MAX);
      expect(childPids().length).toBeGreaterThanOrEqual(MAX);
      expect(sup.output()).toMatch(new RegExp(`supervisor: backlog \\d+ jobs \\(GENERAL\\) for \\d+ s; starting \\d ephemeral agent\\(s\\) \\(${MAX}/${MAX}\\)`));
      // Tokens reach the children through the environment, never argv (visible in `ps`).
      const argv = childPids().flatMap((p) => {
        try {
          return [fs.readFileSync(`/proc/${p}/cmdline`, 'utf8')];
        } catch {
          return [];
        }
      });
      expect(argv.length).toBeGreaterThan(0);
      for (const a of argv) expect(a).not.toContain(plane.agentToken);
      for (const a of argv) expect(a).toContain('--ephemeral');

      // Idle: the ephemeral agents retire (deregistered, so deleted), the supervisor's agent stays.
      const after = await waitFor(
        'the ephemeral agents to retire',
        async () => {
          const { agents } = await plane.client.listAgents();
          return agents.some((a) => a.ephemeral) ? undefined : agents;
        },
        30_000,
        250,
      );
      expect(after.map((a) => [a.name, a.alive])).toEqual([['sup', true]]);
      // An agent leaves the cluster before its process exits (and before its last line reaches the
      // supervisor's output): wait for the supervisor to see the last one go, then read the lines.
      await waitFor('the children to exit', async () => childPids().every((p) => !pidAlive(p)), 10_000);
      await waitFor('the supervisor to count them out', async () => /supervisor: ephemeral agent sup-e\d exited \(code 0\); 0\/3 running/.test(sup.output()), 10_000);
      // The supervisor notes an exit on the process's 'exit', which can come before its output's last chunk.
      const retired = (k: number) => `[sup-e${k}] agent sup-e${k} retired after 2 s idle`;
      await waitFor('every ephemeral agent to say it retired', async () => Array.from({ length: MAX }, (_, i) => retired(i + 1)).every((l) => sup.output().includes(l)), 10_000).catch(() => {});
      for (let k = 1; k <= MAX; k++) expect(sup.output()).toContain(retired(k));
      expect(sup.proc.exitCode).toBeNull(); // the supervisor itself keeps running
      passed = true;
    } finally {
      if (!passed) console.log(`supervisor output:\n${sup.output()}`);
      sup.proc.kill('SIGTERM');
      await waitFor('the supervisor to stop', async () => sup.proc.exitCode !== null || sup.proc.signalCode !== null, 15_000).catch(() => sup.proc.kill('SIGKILL'));
      for (const pid of childPids()) if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
      await plane.dispose();
    }
  }, 120_000);
});

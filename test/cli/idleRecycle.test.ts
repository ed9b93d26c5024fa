/**
 * Giving memory back when idle (cli/local/idleRecycle.ts): the rule, then a local control plane
 * restarted by it for real, losing nothing and keeping its URL.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalControlPlane } from '../../cli/local/controlPlane';
import { initialQuiet, notIdle, observe, recycleDue, recyclePolicyFrom, type RecyclePolicy, type RuntimeSample } from '../../cli/local/idleRecycle';
import { TitanHttpClient } from '../../sdk/ts/client';
import { b64, waitFor } from '../helpers/controlPlane';

const policy: RecyclePolicy = { idleMs: 60_000, minGainMb: 100, quietCpuMsPerS: 10 };
const sample = (atS: number, cpuMs: number, rssMb = 300): RuntimeSample => ({ at: atS * 1000, cpuMs, rssMb });
const run = (samples: RuntimeSample[], p = policy) => samples.reduce((s, x) => observe(s, x, p), initialQuiet());

describe('when to restart the local runtime (pure)', () => {
  it('after the whole quiet period, with enough memory to win back', () => {
    const quiet = [sample(0, 0), sample(30, 150), sample(60, 300)]; // 5 ms of CPU a second: polls
    expect(run(quiet).quietSince).toBe(0);
    expect(recycleDue(run(quiet), 100, policy)).toBe(true);
    expect(recycleDue(run(quiet.slice(0, 2)), 100, policy)).toBe(false); // 30 s is not 60
    expect(recycleDue(run(quiet), 250, policy)).toBe(false); // 50 MB to gain is not worth a restart
    expect(recycleDue(run(quiet), 350, { ...policy, minGainMb: 0 })).toBe(true); // 0: whatever it is
  });

  it('never while workerd is working, nor right after a job was found in flight: the quiet period starts again', () => {
    const inFlight = notIdle(run([sample(0, 0), sample(30, 100), sample(60, 200)]));
    expect(recycleDue(inFlight, 100, policy)).toBe(false);
    expect(recycleDue(observe(inFlight, sample(90, 300), policy), 100, policy)).toBe(false);
    expect(recycleDue(observe(observe(inFlight, sample(90, 300), policy), sample(150, 400), policy), 100, policy)).toBe(true);
    const busyCpu = run([sample(0, 0), sample(30, 3000), sample(60, 3100)]); // 100 ms/s, then quiet
    expect(busyCpu.quietSince).toBe(30_000);
    expect(recycleDue(busyCpu, 100, policy)).toBe(false);
    expect(recycleDue(observe(busyCpu, sample(90, 3200), policy), 100, policy)).toBe(true);
  });

  it('is off with idleMs 0, and reads its settings from the environment', () => {
    const off = { ...policy, idleMs: 0 };
    expect(recycleDue(run([sample(0, 0), sample(9999, 0)], off), 0, off)).toBe(false);
    expect(recyclePolicyFrom({})).toEqual({ idleMs: 600_000, minGainMb: 100, quietCpuMsPerS: 10 });
    expect(recyclePolicyFrom({ TITAN_IDLE_RECYCLE_MS: '0', TITAN_IDLE_RECYCLE_MIN_MB: '20' })).toMatchObject({ idleMs: 0, minGainMb: 20 });
    expect(recyclePolicyFrom({ TITAN_IDLE_RECYCLE_MS: 'soon', TITAN_IDLE_RECYCLE_MIN_MB: '-1' })).toMatchObject({ idleMs: 600_000, minGainMb: 100 });
  });
});

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe.skipIf(!existsSync('/proc/self/stat'))('a local control plane left idle', () => {
  it('is restarted on the same URL, with every job, stored value and log line still there', { timeout: 60_000 }, async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'titan-recycle-'));
    dirs.push(stateDir);
    const lines: string[] = [];
    // Quiet for 1.5 s and any memory to gain: a test's thresholds, not the defaults (10 min, 100 MB).
    const cp = await startLocalControlPlane({ stateDir, port: 0, recycle: { idleMs: 1_500, minGainMb: 0, quietCpuMsPerS: 50 }, log: (l) => lines.push(l) });
    const client = new TitanHttpClient({ url: cp.url, token: cp.clientToken });
    const agent = new TitanHttpClient({ url: cp.url, token: cp.agentToken });
    try {
      const pidOf = () => (JSON.parse(readFileSync(join(stateDir, 'workerd.pid'), 'utf8')) as { pid: number }).pid;
      const first = pidOf();
      // A job in flight holds it off: queued, then leased.
      await client.submitJob({ id: 'rc-1', file: 'a.py', payloadB64: b64('x'), requirement: 'RC' });
      await client.kvPut('rc-key', 'kept');
      const agentId = (await agent.registerAgent({ name: 'rc-agent', capabilities: ['RC'], slots: 1 })).agentId;
      const lease = (await agent.lease(agentId, { max: 1, waitMs: 0 })).leases[0]!;
      await new Promise((r) => setTimeout(r, 3_000));
      expect(pidOf()).toBe(first);
      const tail = { jobId: 'rc-1', run: lease.job.run, lines: [{ seq: 1, ts: Date.now(), stream: 'stdout' as const, text: 'done' }] };
      await agent.complete(agentId, [{ leaseId: lease.leaseId, status: 'COMPLETED', exitCode: 0, tail }]);
      // Nothing in flight now: restarted once quiet, on the same port.
      await waitFor(async () => (pidOf() !== first ? true : undefined), 20_000);
      expect(lines.join('\n')).toMatch(/local runtime restarted after \d+ s with nothing to do/);
      await waitFor(async () => client.getJob('rc-1').then(() => true, () => undefined), 10_000);
      expect((await client.getJob('rc-1')).job.status).toBe('COMPLETED');
      expect(await client.kvGet('rc-key')).toBe('kept');
      expect((await client.getLogs('rc-1')).lines.map((l) => l.text)).toEqual(['done']);
      await client.submitJob({ id: 'rc-2', file: 'a.py', payloadB64: b64('y'), requirement: 'RC' });
      expect((await agent.lease(agentId, { max: 1, waitMs: 0 })).leases.map((l) => l.job.id)).toEqual(['rc-2']);
    } finally {
      await Promise.allSettled([client.close(), agent.close()]);
      await cp.stop();
    }
    expect(existsSync(join(stateDir, 'workerd.pid'))).toBe(false);
  });
});

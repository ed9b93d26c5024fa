/**
 * `titan logs` as a real process against a real control plane in workerd: every line of a long
 * run (more than one page, some of it rolled to R2), quietly into a closed pipe, and `-f` until
 * the run's final lines.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogLine } from '../../control-plane/src/contract/logs';
import { b64, startTestPlane, waitFor, type TestPlane } from '../helpers/controlPlane';

const TITAN = join(resolve(__dirname, '..', '..'), 'bin', 'titan.mjs');
let plane: TestPlane;

beforeAll(async () => {
  // A small log bound, so that older lines of the long run live in R2 chunks.
  plane = await startTestPlane({ LOG_MAX_LINES: '8000' });
}, 60_000);
afterAll(() => plane?.dispose());

const connect = () => ['--url', plane.url, '--token', plane.clientToken];

/** A job leased to a fresh agent (only the lease holder may write its log). */
async function leased(id: string) {
  const cap = `CLI_${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  await plane.client.submitJob({ id, file: 'a.py', payloadB64: b64('x'), requirement: cap });
  const agentId = (await plane.agent.registerAgent({ name: `logs-${id}`, capabilities: [cap], slots: 1 })).agentId;
  const lease = (await plane.agent.lease(agentId, { max: 1, waitMs: 0 })).leases[0]!;
  const append = async (from: number, to: number, stream: (n: number) => LogLine['stream'] = () => 'stdout') => {
    for (let s = from; s <= to; s += 5000) {
      const lines = Array.from({ length: Math.min(5000, to - s + 1) }, (_, i) => ({ seq: s + i, ts: Date.now(), stream: stream(s + i), text: `line ${s + i}` }));
      await plane.agent.appendLogs(id, { leaseId: lease.leaseId, run: 1, lines });
    }
  };
  const finish = () => plane.agent.complete(agentId, [{ leaseId: lease.leaseId, status: 'COMPLETED', exitCode: 0 }]);
  return { append, finish };
}

const expected = (from: number, to: number, pick: (n: number) => boolean = () => true) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i)
    .filter(pick)
    .map((n) => `line ${n}\n`)
    .join('');

describe('titan logs', () => {
  it('prints every line of a 26,000-line run, each on its stream, in order', async () => {
    const job = await leased('long-run');
    await job.append(1, 26_000, (n) => (n % 1000 === 0 ? 'stderr' : 'stdout'));
    await job.finish();
    const r = spawnSync(process.execPath, [TITAN, 'logs', 'long-run', ...connect()], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(expected(1, 26_000, (n) => n % 1000 !== 0));
    expect(r.stderr).toBe(expected(1, 26_000, (n) => n % 1000 === 0));
  }, 90_000);

  it('stops quietly when the reader of its pipe goes away (`| head`)', async () => {
    const child = spawn(process.execPath, [TITAN, 'logs', 'long-run', ...connect()], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    let got = '';
    await new Promise<void>((r) =>
      child.stdout.on('data', (c) => {
        got += c;
        if (got.split('\n').length > 10) r();
      }),
    );
    child.stdout.destroy(); // as `head` does after ten lines
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(0);
    expect(err).not.toMatch(/EPIPE|Error/);
  }, 60_000);

  it('-f prints the history, then live lines, and ends after the final lines', async () => {
    const job = await leased('followed');
    await job.append(1, 12_000);
    const child = spawn(process.execPath, [TITAN, 'logs', 'followed', '-f', ...connect()], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    await waitFor(async () => out.includes('line 12000\n'), 30_000);
    await job.append(12_001, 12_500);
    await waitFor(async () => out.includes('line 12500\n'), 30_000);
    // The last lines land just before the result, as an agent sends them.
    await job.append(12_501, 12_600);
    await job.finish();
    expect(await exited).toBe(0);
    expect(err).toBe('');
    expect(out).toBe(expected(1, 12_600));
  }, 90_000);
});

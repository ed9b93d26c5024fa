/** `titan approve` / `titan reject` as real processes against a real control plane in workerd. */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlane, type TestPlane } from '../helpers/controlPlane';

const TITAN = join(resolve(__dirname, '..', '..'), 'bin', 'titan.mjs');
let plane: TestPlane;
const titan = (...args: string[]) => {
  const r = spawnSync(process.execPath, [TITAN, ...args, '--url', plane.url, '--token', plane.clientToken], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, USER: 'tester' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

beforeAll(async () => {
  plane = await startTestPlane();
  // The original SDK's spelling: SUBMIT_DAG stores its gate as DAG-hitl-gate-<job>; either id works.
  await plane.client.submitDag({
    jobs: [
      { id: 'DAG-hitl-gate-cli', type: 'GATE', file: 'hitl_gate.py', approval: { message: 'Promote?' } },
      { id: 'cli-gate-2', type: 'GATE', file: 'gate', approval: { message: 'Really?' } },
    ],
  });
}, 60_000);
afterAll(() => plane?.dispose());

describe('titan approve / reject', () => {
  it('approves by either id spelling, recording who and why', async () => {
    const r = titan('approve', 'hitl-gate-cli', '--reason', 'checked the numbers');
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out.trim()).toBe('DAG-hitl-gate-cli  COMPLETED  (approved)');
    const notes = (await plane.client.getJob('DAG-hitl-gate-cli')).job.history!.map((h) => h.note);
    expect(notes).toContain('approved by tester (client token): checked the numbers');
  });
  it('rejects with --by; a job not waiting, or unknown, is an error naming it', async () => {
    expect(titan('reject', 'cli-gate-2', '--by', 'ana').out.trim()).toBe('cli-gate-2  FAILED  (rejected)');
    expect((await plane.client.getJob('cli-gate-2')).job.error).toBe('rejected by ana (client token)');
    const again = titan('approve', 'cli-gate-2');
    expect(again.code).not.toBe(0);
    expect(again.err).toMatch(/cli-gate-2 is not waiting for approval \(it is DEAD\)/);
    const unknown = titan('approve', 'nope');
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toMatch(/nope/);
  });
  it('--help acts on nothing', () => {
    const h = titan('approve', '--help');
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/--reason TEXT/);
  });
});

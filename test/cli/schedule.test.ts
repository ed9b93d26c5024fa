/** `titan schedule add|ls|pause|resume|run|rm` as real processes against a real control plane in workerd. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlane, type TestPlane } from '../helpers/controlPlane';

const TITAN = join(resolve(__dirname, '..', '..'), 'bin', 'titan.mjs');
let plane: TestPlane;
let dir: string;
const titan = (...args: string[]) => {
  const r = spawnSync(process.execPath, [TITAN, ...args, '--url', plane.url, '--token', plane.clientToken], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

beforeAll(async () => {
  plane = await startTestPlane();
  dir = mkdtempSync(join(tmpdir(), 'titan-schedule-'));
  writeFileSync(join(dir, 'step.py'), 'print("tick")\n');
  writeFileSync(join(dir, 'nightly.yaml'), 'name: nightly\nschedule: "0 3 * * *"\njobs:\n  - id: extract\n    file: step.py\n    requirement: NOBODY\n  - id: load\n    file: step.py\n    requirement: NOBODY\n    depends_on: extract\n');
  writeFileSync(join(dir, 'plain.yaml'), 'jobs:\n  - id: a\n    file: step.py\n');
}, 60_000);
afterAll(() => plane?.dispose());

describe('titan schedule', () => {
  it('adds a pipeline with a top-level schedule, lists it, pauses, resumes, runs it now and removes it', async () => {
    const add = titan('schedule', 'add', join(dir, 'nightly.yaml'), '--tz', 'Europe/Paris');
    expect(add.err).toBe('');
    expect(add.out).toMatch(/^schedule nightly: 0 3 \* \* \* \(Europe\/Paris\), 2 job\(s\), next in \d+/);
    const ls = titan('schedule', 'ls');
    expect(ls.out).toMatch(/^NAME\s+CRON\s+TZ\s+NEXT\s+RUNS\s+LAST\s+LAST RUN\s+NOTE/);
    expect(ls.out).toMatch(/nightly\s+0 3 \* \* \*\s+Europe\/Paris\s+in \S+\s+0\s+-\s+-/);
    const json = JSON.parse(titan('schedule', 'ls', '--json').out);
    expect(json[0]).toMatchObject({ name: 'nightly', cron: '0 3 * * *', timezone: 'Europe/Paris', jobs: 2 });
    expect(titan('schedule', 'pause', 'nightly').out.trim()).toBe('schedule nightly: paused');
    expect(titan('schedule', 'ls').out).toMatch(/nightly\s+0 3 \* \* \*\s+Europe\/Paris\s+paused/);
    const run = titan('schedule', 'run', 'nightly');
    const dag = /^schedule nightly: started (dag-\S+)$/.exec(run.out.trim())![1]!;
    expect((await plane.client.getDag(dag)).jobs.map((j) => j.id.replace(/\d{8}T\d{6}/, 'T')).sort()).toEqual(['nightly-T-extract', 'nightly-T-load']);
    expect(titan('schedule', 'resume', 'nightly').out).toMatch(/^schedule nightly: next in /);
    expect(titan('schedule', 'rm', 'nightly').out.trim()).toBe('schedule nightly deleted');
    expect(titan('schedule', 'ls').out.trim()).toBe('no schedules');
  });
  it('says what is wrong: no schedule in the file, a bad expression, an unknown name', () => {
    const none = titan('schedule', 'add', join(dir, 'plain.yaml'));
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/no top-level 'schedule:'/);
    const bad = titan('schedule', 'add', join(dir, 'plain.yaml'), '--cron', '99 * * * *');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/minute: 99/);
    const unknown = titan('schedule', 'pause', 'ghost');
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toMatch(/no schedule ghost/);
  });
});

/**
 * `titan jobs`, `dags`, `services`, `status` (job or DAG), `workers`, `stats` and `--json` as real processes against a
 * real control plane in workerd; the table layout itself as plain functions.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shortDuration, table } from '../../cli/commands/listViews';
import { b64, startTestPlane, type TestPlane } from '../helpers/controlPlane';

const TITAN = join(resolve(__dirname, '..', '..'), 'bin', 'titan.mjs');
let plane: TestPlane;
let dag: string;

function titan(...args: string[]) {
  const r = spawnSync(process.execPath, [TITAN, ...args, '--url', plane.url, '--token', plane.clientToken], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  plane = await startTestPlane();
  // No agent has LIST_CAP: the root stays QUEUED, its child PENDING, the service queued.
  const job = (id: string, parents: string[] = []) => ({ id, file: 'a.py', payloadB64: b64('print(1)'), requirement: 'LIST_CAP', parents });
  const r = await plane.client.submitDag({
    name: 'list-demo',
    jobs: [job('list-root'), job('list-child', ['list-root']), { ...job('list-svc'), type: 'SERVICE', port: 8123 }],
  });
  dag = r.dag;
}, 60_000);
afterAll(() => plane?.dispose());

describe('listing commands', () => {
  it('titan jobs: a table, newest first; --state filters by scheduler state', () => {
    const all = titan('jobs');
    expect(all.code).toBe(0);
    expect(all.err).toBe('');
    const lines = all.out.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+STATE\s+REQUIREMENT\s+NODE\s+ATTEMPTS\s+AGE\s+RAN$/);
    expect(all.out).toMatch(/list-root\s+PENDING\s+QUEUED\s+LIST_CAP\s+-\s+0\s+\d+s\s+-/);
    expect(all.out).toMatch(/list-child\s+PENDING\s+PENDING\s+LIST_CAP/);
    const queued = titan('jobs', '--state', 'QUEUED');
    expect(queued.code).toBe(0);
    expect(queued.out).toContain('list-root');
    expect(queued.out).not.toContain('list-child');
    expect(titan('jobs', '--dag', dag, '--limit', '1').out.trim().split('\n')).toHaveLength(2);
  });

  it('titan jobs --state BOGUS is a usage error naming the value', () => {
    const r = titan('jobs', '--state', 'BOGUS');
    expect(r.code).toBe(2);
    expect(r.err).toContain('"BOGUS"');
    expect(r.err).toContain('QUEUED');
    expect(r.out).toBe('');
  });

  it('titan dags: id, name, created, counts by state', () => {
    const r = titan('dags');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ID\s+NAME\s+CREATED\s+JOBS/);
    expect(r.out).toMatch(new RegExp(`${dag}\\s+list-demo\\s+\\d+s ago\\s+.*queued 2`));
    const json = JSON.parse(titan('dags', '--json').out);
    expect(json.find((d: { id: string }) => d.id === dag).name).toBe('list-demo');
  });

  it('titan status DAG_ID: the DAG with its jobs; --json is the DAG view', () => {
    const r = titan('status', dag);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(new RegExp(`^${dag}\\s+list-demo\\s+\\(3 jobs: `));
    expect(r.out).toMatch(/list-child\s+PENDING\s+PENDING/);
    const json = JSON.parse(titan('status', dag, '--json').out);
    expect(json.id).toBe(dag);
    expect(json.jobs.map((j: { id: string }) => j.id).sort()).toEqual(['list-child', 'list-root', 'list-svc']);
  });

  it('titan status JOB_ID --json prints the job alone; an unknown id exits 1', () => {
    const r = titan('status', 'list-root', '--json');
    expect(r.code).toBe(0);
    const job = JSON.parse(r.out);
    expect(job).toMatchObject({ id: 'list-root', state: 'QUEUED', status: 'PENDING', dag });
    const missing = titan('status', 'no-such-thing');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/no job no-such-thing, and no DAG of that id/);
  });

  it('titan services (and --json), workers --json', () => {
    expect(titan('services').out).toMatch(/^ID\s+AGENT\s+PORT\s+STATE\s+HEALTH\s+RESTARTS\s+LAST EXIT\nlist-svc\s+-\s+8123\s+queued\s+-\s+0\s+-$/m);
    const services = JSON.parse(titan('services', '--json').out);
    expect(services).toEqual([{ id: 'list-svc', agentId: null, node: null, port: 8123, state: 'queued', restarts: 0, health: 'unknown', lastExit: null, crashLoop: false }]);
    expect(JSON.parse(titan('workers', '--json').out)).toEqual([]);
    expect(JSON.parse(titan('stats', '--json').out).counts.QUEUED).toBe(2);
  });

  it('titan workers, status and stats show GPUs, asks and demand (a stand-in agent registered over HTTP)', async () => {
    const gpu = (index: number, freeMemoryMb: number) => ({ index, uuid: `GPU-list-${index}`, model: 'Stand-in A100', memoryMb: 40_960, freeMemoryMb });
    const { agentId } = await plane.agent.registerAgent({ name: 'list-gpu-box', capabilities: ['LIST_GPU'], slots: 2, resources: { cpus: 8, memoryMb: 16_384, gpus: [gpu(0, 40_000), gpu(1, 39_000)] } });
    await plane.client.submitJob({ id: 'list-train', file: 'a.py', payloadB64: b64('print(1)'), requirement: 'LIST_GPU', gpus: 1, gpuMemoryMb: 20_000, cpus: 2, memoryMb: 1_024 });
    const { leases } = await plane.agent.lease(agentId, { max: 1, waitMs: 0 });
    expect(leases.map((l) => l.job.id)).toEqual(['list-train']);
    const held = leases[0].job.assigned.gpus[0];

    const workers = titan('workers');
    expect(workers.code).toBe(0);
    expect(workers.out).toMatch(/^● list-gpu-box\s+GENERAL,LIST_GPU\s+load 1\/2/m);
    expect(workers.out).toContain('    CPUs 2/8  memory 1024/16384 MiB\n');
    expect(workers.out).toContain(`    GPU ${held.index} Stand-in A100 40960 MiB (${held.index === 0 ? 40_000 : 39_000} free) — list-train\n`);
    expect(workers.out).toContain(`    GPU ${1 - held.index} Stand-in A100 40960 MiB (${held.index === 0 ? 39_000 : 40_000} free) — idle`);

    const status = titan('status', 'list-train');
    expect(status.code).toBe(0);
    expect(status.out.split('\n').slice(1, 3)).toEqual(['  resources: 1 GPU ≥20000 MiB, 2 CPUs, 1024 MiB memory', `  GPUs: ${held.index} (${held.uuid})`]);

    const stats = titan('stats');
    expect(stats.code).toBe(0);
    expect(stats.out).toMatch(/^demand {2}(ok|BACKLOGGED) {2}\(backlogged: ≥\d+ queued/m);
    expect(stats.out).toMatch(/^free {4}.*LIST_GPU 1\/2 slots, 1\/2 GPUs/m);
  });

  it.each([['jobs'], ['dags'], ['services']])('titan %s --help prints usage and contacts nothing', (cmd) => {
    // A URL nobody listens on: acting on it would fail.
    const r = spawnSync(process.execPath, [TITAN, cmd, '--help', '--url', 'http://127.0.0.1:9', '--state', 'BOGUS'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^usage: titan ${cmd} \\[options\\]`));
    expect(r.stderr).toBe('');
  });
});

describe('table layout', () => {
  it('pads every column but the last to its widest cell', () => {
    expect(table(['A', 'BB'], [['xyz', 'q'], ['1', 'long']])).toBe('A    BB\nxyz  q\n1    long');
  });
  it('shortens durations', () => {
    expect([0, 59_999, 61_000, 3_600_000 + 7 * 60_000, 3 * 86_400_000 + 4 * 3_600_000].map(shortDuration)).toEqual(['0s', '59s', '1m01s', '1h07m', '3d04h']);
  });
});

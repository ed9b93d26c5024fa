// The benchmark's own Python environment (.venv-bench, with Ray) and Ray's run on our workloads.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePythonEnv, type VenvLayout } from '../../scripts/setup-python.mjs';
import { TRIVIAL_SOURCE } from '../agent/bench';
import { ROOT } from '../agent/helpers';
import type { RayFigures } from './compare';

/** Built once (a stamp of the requirements and base interpreter), as `npm test` builds `.venv`; CI never builds it. */
export const BENCH_VENV = { name: '.venv-bench', requirements: 'test/bench/requirements-bench.txt' };

/**
 * `.venv-bench`, made current; or why it could not be (offline, no venv module). Short pip
 * timeouts: an offline machine answers in seconds, and the bench goes on with our figures.
 */
export function benchPythonEnv(log: (line: string) => void = console.log): { layout: VenvLayout } | { layout: null; why: string } {
  try {
    const { layout, action, seconds } = ensurePythonEnv({ root: ROOT, venv: BENCH_VENV, pipArgs: ['--timeout', '15', '--retries', '1'], log });
    if (action === 'created') log(`bench: ${BENCH_VENV.name} built in ${seconds.toFixed(1)} s`);
    return { layout };
  } catch (e) {
    // pip's last ERROR line says it best (no network, no such version); else the first line.
    const lines = (e as Error).message.split('\n').map((l) => l.trim()).filter(Boolean);
    const pip = lines.filter((l) => l.startsWith('ERROR')).at(-1);
    return { layout: null, why: pip ? `pip install of ${BENCH_VENV.requirements} failed: ${pip}` : lines[0]! };
  }
}

/** test/bench/ray_bench.py in the bench venv: Ray's figures, or why there are none. */
export function runRay(python: string): { ray: RayFigures } | { ray: null; why: string } {
  const dir = mkdtempSync(join(tmpdir(), 'titan-ray-'));
  try {
    const job = join(dir, 'job.py');
    writeFileSync(job, TRIVIAL_SOURCE);
    const r = spawnSync(python, [join(ROOT, 'test/bench/ray_bench.py'), job], { cwd: dir, encoding: 'utf8', timeout: 240_000 });
    const last = r.stdout?.trim().split('\n').at(-1) ?? '';
    if (r.status === 0 && last.startsWith('{')) return { ray: JSON.parse(last) as RayFigures };
    const err = (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').slice(-3).join(' | ');
    return { ray: null, why: `ray_bench.py failed: ${err}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

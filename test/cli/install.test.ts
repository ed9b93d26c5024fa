/**
 * The package `npm pack` makes, installed as on a machine that has only Node: `npm install -g`
 * into a temp prefix (from the npm cache; skipped, with the reason, when npm would need a registry
 * it cannot reach), then the installed `titan` run from outside the repository, its agent against a
 * real control plane until it has run a Python job that imports the SDK shipped in the package.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleIsCurrent } from '../../bin/bundle.mjs';
import { b64, startTestPlane, waitFor, type TestPlane } from '../helpers/controlPlane';

const ROOT = resolve(__dirname, '..', '..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const NETWORK = /ENOTCACHED|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|network/i;

let dir: string;
let prefix: string;
let tarball: string;
let titanBin: string;
let skipReason = '';
let plane: TestPlane | undefined;

function npm(args: string[], cwd: string) {
  const r = spawnSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Away from the repository, and without anything that could lead Node back into it. */
const outsideEnv = () => {
  const { NODE_PATH: _p, NODE_OPTIONS: _o, ...env } = process.env;
  return { ...env, PATH: `${join(prefix, 'bin')}:${env.PATH}` };
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'titan-install-'));
  prefix = join(dir, 'prefix');
  // A current build is packed as it is; otherwise `prepare` (npm run build) runs first.
  const packed = npm(['pack', '--pack-destination', dir, ...(bundleIsCurrent(ROOT) ? ['--ignore-scripts'] : [])], ROOT);
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.out}`);
  tarball = join(dir, readdirSync(dir).find((f) => /^titan-edge-.*\.tgz$/.test(f))!);
  let installed = npm(['install', '-g', '--prefix', prefix, '--offline', tarball], dir);
  if (installed.code !== 0 && NETWORK.test(installed.out)) installed = npm(['install', '-g', '--prefix', prefix, '--prefer-offline', tarball], dir);
  if (installed.code !== 0 && NETWORK.test(installed.out)) skipReason = `npm install needs the registry, which is out of reach: ${installed.out.trim().split('\n')[0]}`;
  else if (installed.code !== 0) throw new Error(`npm install -g failed:\n${installed.out}`);
  titanBin = join(prefix, 'bin', 'titan');
}, 240_000);

afterAll(async () => {
  await plane?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('holds the bundled CLI and the Python support files, not the TypeScript sources', () => {
    const files = spawnSync('tar', ['tzf', tarball], { encoding: 'utf8' }).stdout.split('\n');
    for (const f of ['bin/titan.mjs', 'bin/bundle.mjs', 'dist/cli/main.mjs', 'dist/worker/worker.js', 'dist/assets/index.html', 'wrangler.toml', 'sdk/python/titan_sdk/__init__.py', 'sdk/python/titan_sdk/client.py', 'worker-agent/src/zygote/zygote.py']) {
      expect(files).toContain(`package/${f}`);
    }
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(files.filter((f) => f.includes('__pycache__') || f.endsWith('.pyc'))).toEqual([]);
  });

  it('installs with `npm install -g` and needs no other package at run time', (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const installedDir = join(prefix, 'lib', 'node_modules', 'titan-edge');
    expect(readdirSync(installedDir)).not.toContain('node_modules');
  });

  it('runs `titan --version` and `titan agent --help` from outside the repository', (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const run = (...args: string[]) => spawnSync(titanBin, args, { cwd: tmpdir(), encoding: 'utf8', env: outsideEnv(), timeout: 30_000 });
    const v = run('--version');
    expect(v.stderr).toBe('');
    expect(v.stdout).toBe(`${VERSION}\n`);
    const help = run('agent', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: titan agent/);
    expect(help.stdout).toContain('--token-file');
  });

  it('runs the installed agent against a control plane: it registers and completes a job that imports titan_sdk', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    plane = await startTestPlane();
    const tokenFile = join(dir, 'agent-token');
    writeFileSync(tokenFile, `${plane.agentToken}\n`, { mode: 0o600 });
    const agent = spawn(titanBin, ['agent', '--url', plane.url, '--token-file', tokenFile, '--name', 'installed-agent', '--slots', '1'], {
      cwd: tmpdir(),
      env: outsideEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    agent.stdout.on('data', (d) => (out += d));
    agent.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((res) => agent.on('exit', (code) => res(code)));
    try {
      await waitFor(async () => (await plane!.client.listAgents()).agents.some((a) => a.name === 'installed-agent'), 30_000, 100);
      const code = 'import os, titan_sdk\nprint("sdk from", os.path.realpath(titan_sdk.__file__))\n';
      await plane.client.submitJob({ id: 'installed-job', file: 'check.py', payloadB64: b64(code) });
      const job = await waitFor(async () => {
        const j = await plane!.client.findJob('installed-job');
        return j && ['COMPLETED', 'FAILED', 'CANCELLED'].includes(j.status) ? j : null;
      }, 30_000, 100);
      expect(job.status, out).toBe('COMPLETED');
      expect(job.node).toBe('installed-agent');
      const logs = (await plane.client.getLogs('installed-job')).lines.map((l) => l.text).join('\n');
      expect(logs).toContain(`sdk from ${join(prefix, 'lib', 'node_modules', 'titan-edge', 'sdk', 'python', 'titan_sdk', '__init__.py')}`);
    } finally {
      agent.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
    expect(out).toContain('agent installed-agent ready');
    expect(out).toContain('agent installed-agent stopped');
  }, 90_000);
});

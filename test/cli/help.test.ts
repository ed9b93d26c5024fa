import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');
const TITAN = join(ROOT, 'bin', 'titan.mjs');
// An empty cwd and no TITAN_* variables: nothing to connect to, so any attempt would show.
const dir = mkdtempSync(join(tmpdir(), 'titan-help-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TITAN_')));

function titan(...args: string[]) {
  const r = spawnSync(process.execPath, [TITAN, ...args], { cwd: dir, env, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('titan --help, --version and usage errors (no server anywhere)', () => {
  it.each([['up'], ['agent'], ['bridge'], ['submit'], ['workers'], ['logs'], ['store'], ['store', 'get']])('%s --help prints its usage, exits 0 and starts nothing', (...cmd) => {
    const r = titan(...cmd, '--help');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^usage: titan ${cmd.join(' ')}`));
    expect(existsSync(join(dir, '.titan'))).toBe(false);
  });

  it('titan --help lists the commands; -h and no arguments too', () => {
    for (const args of [['--help'], ['-h'], []]) {
      const r = titan(...args);
      expect(r.code).toBe(0);
      for (const c of ['up', 'agent', 'bridge', 'submit FILE.yaml', 'status ID', 'logs ID', 'workers', 'store keys [PREFIX]']) expect(r.out).toContain(`  ${c}`);
    }
  });

  it('--version and -V print the package version', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(titan('--version')).toMatchObject({ code: 0, out: `${version}\n` });
    expect(titan('-V').out).toBe(`${version}\n`);
  });

  it('a mistyped flag is a usage error naming it (exit 2), before anything is read', () => {
    const r = titan('submit', 'x.yaml', '--wiat');
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toBe('titan submit: unknown option --wiat');
    expect(r.err).toContain('titan submit --help');
    expect(r.out).toBe('');
    expect(titan('up', '--http-port', 'eighty').err).toMatch(/^titan up: --http-port needs a whole number/);
    expect(titan('frobnicate').code).toBe(2);
  });

  it('without a control plane, says how to give one', () => {
    const r = titan('workers');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^titan workers: no control plane given: pass --url and --token/);
  });
});

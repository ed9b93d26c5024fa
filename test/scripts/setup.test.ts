/** The set-up `npm test` does by itself: the Python venv, Chromium, and which runner gets which arguments. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { browserPlan } from '../../scripts/setup-browser.mjs';
import { ensurePythonEnv, pathWithFirst, pathWithout, pythonPlan, requirementsStamp, venvEnv, venvLayout } from '../../scripts/setup-python.mjs';
import { splitTestArgs } from '../../scripts/test-args.mjs';

describe('python venv plan', () => {
  const base = '3.11.7 (main, May  9 2026) [GCC 12.2.0]';
  const wanted = requirementsStamp('pytest>=7\npyyaml>=6\n', base);

  it('re-uses a venv whose stamp and interpreter match', () => {
    expect(pythonPlan({ stamp: `${wanted}\n`, wanted, venvVersion: base, baseVersion: base })).toBe('reuse');
  });

  it('rebuilds when the venv is missing or broken, the stamp is missing or stale, or python3 changed', () => {
    expect(pythonPlan({ stamp: wanted, wanted, venvVersion: null, baseVersion: base })).toBe('create');
    expect(pythonPlan({ stamp: null, wanted, venvVersion: base, baseVersion: base })).toBe('create');
    expect(pythonPlan({ stamp: requirementsStamp('pytest>=8\n', base), wanted, venvVersion: base, baseVersion: base })).toBe('create');
    expect(pythonPlan({ stamp: wanted, wanted, venvVersion: '3.12.1', baseVersion: base })).toBe('create');
  });

  it('stamps the requirements and the interpreter, not line endings or trailing blank lines', () => {
    expect(requirementsStamp('pytest>=7\r\npyyaml>=6\r\n\n', base)).toBe(wanted);
    expect(requirementsStamp('pytest>=7\npyyaml>=6\nschemathesis==4\n', base)).not.toBe(wanted);
    expect(requirementsStamp('pytest>=7\npyyaml>=6\n', '3.12.1')).not.toBe(wanted);
  });
});

describe('venv on PATH', () => {
  const layout = venvLayout('/repo', 'linux');

  it('lays the venv out at the repository root (Scripts/ on Windows)', () => {
    expect(layout).toMatchObject({ dir: '/repo/.venv', bin: '/repo/.venv/bin', python: '/repo/.venv/bin/python', lock: '/repo/.venv.lock' });
    expect(venvLayout('/repo', 'win32').python).toMatch(/Scripts[\\/]python\.exe$/);
  });

  it("lays out another venv (the bench's) beside it, with its own lock and requirements", () => {
    expect(venvLayout('/repo', 'linux', { name: '.venv-bench', requirements: 'test/bench/requirements-bench.txt' })).toMatchObject({
      dir: '/repo/.venv-bench',
      python: '/repo/.venv-bench/bin/python',
      lock: '/repo/.venv-bench.lock',
      requirements: '/repo/test/bench/requirements-bench.txt',
    });
  });

  it('puts the venv first exactly once and can take it out again', () => {
    expect(pathWithFirst('/repo/.venv/bin', '/usr/bin:/repo/.venv/bin/:/bin', ':')).toBe('/repo/.venv/bin:/usr/bin:/bin');
    expect(pathWithFirst('/repo/.venv/bin', undefined, ':')).toBe('/repo/.venv/bin');
    expect(pathWithout('/repo/.venv/bin', '/repo/.venv/bin:/usr/bin::/bin', ':')).toBe('/usr/bin:/bin');
  });

  it('activates the venv for child processes as `activate` would', () => {
    const env = venvEnv({ PATH: '/usr/bin', PYTHONHOME: '/opt/py', HOME: '/root' }, layout, ':');
    expect(env).toEqual({ PATH: '/repo/.venv/bin:/usr/bin', VIRTUAL_ENV: '/repo/.venv', HOME: '/root' });
  });
});

describe('browser plan', () => {
  it('does nothing when Chromium is there', () => {
    expect(browserPlan({ present: true, isRoot: false, canSudo: false, hasApt: false })).toEqual({ run: [] });
  });

  it('installs with apt-get as root, through sudo -n otherwise', () => {
    expect(browserPlan({ present: false, isRoot: true, canSudo: false, hasApt: true }).run?.map((c) => c.join(' '))).toEqual([
      'apt-get update -q',
      'apt-get install -y -q chromium',
    ]);
    expect(browserPlan({ present: false, isRoot: false, canSudo: true, hasApt: true }).run?.every((c) => c[0] === 'sudo' && c[1] === '-n')).toBe(true);
  });

  it('says what to do when it cannot install', () => {
    expect(browserPlan({ present: false, isRoot: false, canSudo: false, hasApt: true }).error).toMatch(/neither root nor allowed sudo.*apt-get install -y chromium/);
    expect(browserPlan({ present: false, isRoot: true, canSudo: false, hasApt: false }).error).toMatch(/no apt-get/);
  });
});

describe('npm test -- ARGS', () => {
  it('runs both runners on everything without arguments', () => {
    expect(splitTestArgs([])).toEqual({ vitest: [], pytest: ['test/python'] });
  });

  it('gives vitest paths and options to vitest only', () => {
    expect(splitTestArgs(['test/e2e', '-t', 'login'])).toEqual({ vitest: ['test/e2e', '-t', 'login'], pytest: null });
  });

  it('gives pytest everything from the first Python target on', () => {
    expect(splitTestArgs(['test/python', '-k', 'fuzz'])).toEqual({ vitest: null, pytest: ['test/python', '-k', 'fuzz'] });
    expect(splitTestArgs(['./test/python/unit/test_cli.py::test_x'])).toEqual({ vitest: null, pytest: ['./test/python/unit/test_cli.py::test_x'] });
    expect(splitTestArgs(['test/cli', 'test/python/unit', '-x'])).toEqual({ vitest: ['test/cli'], pytest: ['test/python/unit', '-x'] });
  });
});

describe('ensurePythonEnv on a real python3', () => {
  it('builds a venv once with the requirements, then re-uses it until they change', { timeout: 180_000 }, () => {
    const root = mkdtempSync(join(tmpdir(), 'titan-setup-'));
    try {
      // A requirement the wheel cache or PyPI has, small enough to install in seconds.
      const requirements = join(root, 'requirements-test.txt');
      writeFileSync(requirements, 'pyyaml>=6\n');
      const logs: string[] = [];
      const first = ensurePythonEnv({ root, log: (l) => logs.push(l) });
      expect(first.action).toBe('created');
      expect(execFileSync(first.layout.python, ['-c', 'import yaml, sys; print(sys.prefix)'], { encoding: 'utf8' }).trim()).toBe(first.layout.dir);
      expect(readFileSync(first.layout.stamp, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
      expect(existsSync(first.layout.lock)).toBe(false);

      expect(ensurePythonEnv({ root, log: (l) => logs.push(l) }).action).toBe('reused');

      // A changed requirement rebuilds from scratch: what the old list installed is gone.
      writeFileSync(requirements, '# nothing\n');
      expect(ensurePythonEnv({ root, log: (l) => logs.push(l) }).action).toBe('created');
      expect(() => execFileSync(first.layout.python, ['-c', 'import yaml'], { stdio: 'ignore' })).toThrow();
      expect(logs.filter((l) => l.includes('creating .venv'))).toHaveLength(2);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

// The project's Python test environment: `.venv/` at the repository root with requirements-test.txt
// installed, re-used while the requirements and the base interpreter stay the same (a hash stamp).
// `npm test` calls ensurePythonEnv() and puts the venv first on PATH for everything it starts, so
// pytest, the vitest files that spawn `python3`, and agents (worker-agent resolvePython asks
// `python3` on PATH) all run the same interpreter. `node scripts/setup-python.mjs` runs it alone.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter as PATH_DELIMITER, basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** A crashed holder's lock is taken over after this long even if its pid was reused. */
const LOCK_STALE_MS = 15 * 60_000;

// ---- pure ---------------------------------------------------------------------------------------

/** The test environment; the benchmark builds its own (`.venv-bench`, with Ray) the same way. */
export const TEST_VENV = { name: '.venv', requirements: 'requirements-test.txt' };

/** Where the venv's pieces are; Windows venvs keep executables under Scripts/. */
export function venvLayout(root, platform = process.platform, venv = TEST_VENV) {
  const dir = join(root, venv.name);
  const bin = join(dir, platform === 'win32' ? 'Scripts' : 'bin');
  return {
    dir,
    bin,
    python: join(bin, platform === 'win32' ? 'python.exe' : 'python'),
    stamp: join(dir, '.titan-setup'),
    lock: join(root, `${venv.name}.lock`),
    requirements: join(root, venv.requirements),
  };
}

/** What the venv was built from: when any of it changes, the venv is rebuilt from scratch. */
export function requirementsStamp(requirementsText, baseVersion) {
  const normalized = requirementsText.replace(/\r\n/g, '\n').trim();
  return createHash('sha256').update(`${normalized}\n--\n${baseVersion.trim()}\n`).digest('hex');
}

/**
 * 'reuse' when the venv answers with the base interpreter's version and its stamp matches,
 * else 'create' (a fresh venv: a stale package left behind must not make a test pass).
 */
export function pythonPlan({ stamp, wanted, venvVersion, baseVersion }) {
  if (venvVersion === null || venvVersion.trim() !== baseVersion.trim()) return 'create';
  return stamp !== null && stamp.trim() === wanted ? 'reuse' : 'create';
}

/** PATH with `dir` first and nowhere else. */
export function pathWithFirst(dir, path = '', delimiter = PATH_DELIMITER) {
  return [dir, ...pathWithout(dir, path, delimiter).split(delimiter).filter(Boolean)].join(delimiter);
}

/** PATH without `dir`: the base interpreter must not be the venv's own python. */
export function pathWithout(dir, path = '', delimiter = PATH_DELIMITER) {
  const strip = (p) => p.replace(/[\\/]+$/, '');
  return path.split(delimiter).filter((p) => p && strip(p) !== strip(dir)).join(delimiter);
}

/** The environment test processes get: the venv active (as `activate` would), no PYTHONHOME. */
export function venvEnv(env, layout, delimiter = PATH_DELIMITER) {
  const next = { ...env, VIRTUAL_ENV: layout.dir, PATH: pathWithFirst(layout.bin, env.PATH, delimiter) };
  delete next.PYTHONHOME;
  return next;
}

// ---- shell --------------------------------------------------------------------------------------

const quiet = { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 };

/** `sys.version` of an interpreter, or null when it does not start. */
function versionOf(python, env) {
  const r = spawnSync(python, ['-c', 'import sys; print(sys.version)'], { ...quiet, env });
  return r.status === 0 ? r.stdout.trim() : null;
}

function readOrNull(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** One set-up at a time per checkout: two `npm test` runs must not pip-install into one venv together. */
function withLock(path, log, fn) {
  for (let told = false; ; ) {
    try {
      const fd = openSync(path, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const holder = Number(readOrNull(path));
      let alive = holder > 0;
      try {
        if (alive) process.kill(holder, 0);
      } catch {
        alive = false;
      }
      let age = 0;
      try {
        age = Date.now() - statSync(path).mtimeMs;
      } catch {}
      if (!alive || age > LOCK_STALE_MS) {
        rmSync(path, { force: true });
        continue;
      }
      if (!told) log(`setup-python: waiting for process ${holder}, which is setting up ${path.replace(/\.lock$/, '')}`);
      told = true;
      sleep(500);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(path, { force: true });
  }
}

function runOrThrow(cmd, args, env, what) {
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  if (r.status === 0) return;
  const why = r.error ? r.error.message : (r.stderr || '').trim().split('\n').slice(-6).join('\n');
  throw new Error(`${what} failed (${cmd} ${args.join(' ')}):\n${why}`);
}

/**
 * A fresh venv with the requirements installed. Without ensurepip (Debian's python3 without
 * python3-venv) it falls back to a pip-less venv filled by the base interpreter's own pip.
 */
function build(layout, baseEnv, log, pipArgs) {
  const pip = ['install', '--quiet', '--disable-pip-version-check', '--no-input', ...pipArgs, '-r', layout.requirements];
  const name = basename(layout.dir);
  const made = spawnSync('python3', ['-m', 'venv', '--clear', layout.dir], { ...quiet, timeout: 300_000, env: baseEnv });
  if (made.status === 0) {
    log(`setup-python: installing ${basename(layout.requirements)} into ${name}`);
    runOrThrow(layout.python, ['-m', 'pip', ...pip], baseEnv, 'pip install');
    return;
  }
  const hasPip = spawnSync('python3', ['-m', 'pip', '--version'], { ...quiet, env: baseEnv }).status === 0;
  if (!/ensurepip/.test(made.stderr + made.stdout) || !hasPip) {
    throw new Error(
      `python3 -m venv failed:\n${(made.stderr || made.stdout || made.error?.message || '').trim()}\n` +
        'On Debian/Ubuntu install the venv module: apt-get install python3-venv',
    );
  }
  log(`setup-python: this python3 has no ensurepip; using its own pip to fill a pip-less ${name}`);
  runOrThrow('python3', ['-m', 'venv', '--clear', '--without-pip', layout.dir], baseEnv, 'python3 -m venv --without-pip');
  runOrThrow('python3', ['-m', 'pip', '--python', layout.python, ...pip], baseEnv, 'pip install');
}

/**
 * Makes `.venv` (or `venv`: another name and requirements file) current and says what it did.
 * Throws with a readable message when python3 is missing or the venv cannot be built. `pipArgs`
 * go to `pip install` (the benchmark's short network timeouts, so offline fails fast).
 * @returns {{ layout: ReturnType<typeof venvLayout>, action: 'reused' | 'created', seconds: number }}
 */
export function ensurePythonEnv({ root = ROOT, env = process.env, log = console.log, venv = TEST_VENV, pipArgs = [] } = {}) {
  const started = Date.now();
  const layout = venvLayout(root, process.platform, venv);
  const baseEnv = { ...env, PATH: pathWithout(layout.bin, env.PATH) };
  delete baseEnv.VIRTUAL_ENV;
  const baseVersion = versionOf('python3', baseEnv);
  if (baseVersion === null) throw new Error('python3 is not on PATH (the tests need Python 3.10+)');
  const wanted = requirementsStamp(readFileSync(layout.requirements, 'utf8'), baseVersion);
  const plan = () => pythonPlan({ stamp: readOrNull(layout.stamp), wanted, venvVersion: existsSync(layout.python) ? versionOf(layout.python, baseEnv) : null, baseVersion });
  const seconds = () => (Date.now() - started) / 1000;
  if (plan() === 'reuse') return { layout, action: 'reused', seconds: seconds() };
  return withLock(layout.lock, log, () => {
    // Another run may have built it while we waited for the lock.
    if (plan() === 'reuse') return { layout, action: 'reused', seconds: seconds() };
    log(`setup-python: creating ${venv.name} (python ${baseVersion.split(' ')[0]})`);
    rmSync(layout.stamp, { force: true });
    build(layout, baseEnv, log, pipArgs);
    writeFileSync(layout.stamp, `${wanted}\n`);
    return { layout, action: 'created', seconds: seconds() };
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const { layout, action, seconds } = ensurePythonEnv();
    console.log(`setup-python: ${layout.dir} ${action} in ${seconds.toFixed(1)} s; use ${layout.python}`);
  } catch (err) {
    console.error(`setup-python: ${err.message}`);
    process.exit(1);
  }
}

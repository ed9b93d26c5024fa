// `npm test`: sets up what the tests need (the Python venv `.venv/` from requirements-test.txt,
// Chromium for the browser tests), builds and checks the Worker bundle (as deploy:check does), runs
// every vitest suite (unit, workerd integration, bridge, agent, browser e2e) and the Python suite,
// then prints one `N passed, N failed` line.
// `npm test -- FILES…` runs only those (see scripts/test-args.mjs); TITAN_CHAOS=1 adds the slow
// fault-injection suite (`npm run test:chaos`, test/chaos/*.chaos.ts) to a full run.
// Everything it starts has `.venv/bin` first on PATH: pytest, the vitest files that spawn `python3`,
// and the agents those start (worker-agent resolvePython asks `python3` on PATH) use the venv.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBrowser } from './setup-browser.mjs';
import { ensurePythonEnv, venvEnv } from './setup-python.mjs';
import { splitTestArgs } from './test-args.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'test-results');
mkdirSync(out, { recursive: true });

let passed = 0;
let failed = 0;
let broken = false;
// Named again at the very end: CI keeps only the tail of a long run's output.
const failures = [];

const args = splitTestArgs(process.argv.slice(2));

// ---- set-up: each step says what it did and how long it took --------------------------------------
let venv;
try {
  const py = ensurePythonEnv();
  venv = py.layout;
  console.log(`setup: .venv ${py.action} in ${py.seconds.toFixed(1)} s`);
} catch (err) {
  console.error(`setup: the Python test environment could not be made: ${err.message}`);
  process.exit(1);
}
if (args.vitest) {
  try {
    const b = ensureBrowser();
    console.log(`setup: ${b.path} ${b.action}${b.action === 'installed' ? ` in ${b.seconds.toFixed(1)} s` : ''}`);
  } catch (err) {
    // The rest still runs (the browser suite skips itself), but the run cannot pass.
    console.error(`setup: Chromium for the browser tests could not be installed: ${err.message}`);
    broken = true;
  }
}

const env = venvEnv(process.env, venv);
const run = (cmd, argv) => spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', env });

// The Worker bundle the integration tests start, checked as `npm run deploy:check` does.
if (run(process.execPath, [join(root, 'scripts', 'build.mjs'), '--check']).status !== 0) {
  console.error('build or deploy check failed');
  process.exit(1);
}

function vitest(name, argv) {
  const json = join(out, `${name}.json`);
  rmSync(json, { force: true });
  const v = run(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${json}`, ...argv]);
  if (existsSync(json)) {
    const r = JSON.parse(readFileSync(json, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    // A file that failed to load has no failed tests but is a failure all the same.
    if (r.numFailedTestSuites > 0 && r.numFailedTests === 0) failed += r.numFailedTestSuites;
    for (const file of r.testResults ?? []) {
      const path = file.name.startsWith(root) ? file.name.slice(root.length + 1) : file.name;
      const bad = (file.assertionResults ?? []).filter((t) => t.status === 'failed');
      for (const t of bad) failures.push(`${path} > ${t.fullName}: ${firstLine(t.failureMessages?.[0])}`);
      if (file.status === 'failed' && bad.length === 0) failures.push(`${path}: ${firstLine(file.message)}`);
    }
  } else if (v.status !== 0) broken = true;
}

function pytest(argv) {
  const junit = join(out, 'pytest.xml');
  rmSync(junit, { force: true });
  const py = run(venv.python, ['-m', 'pytest', ...argv, '-q', `--junitxml=${junit}`, '-p', 'no:cacheprovider']);
  if (existsSync(junit)) {
    const xml = readFileSync(junit, 'utf8');
    const attr = (name) => Number(new RegExp(`<testsuite[^>]*\\s${name}="(\\d+)"`).exec(xml)?.[1] ?? 0);
    const bad = attr('failures') + attr('errors');
    passed += attr('tests') - bad - attr('skipped');
    failed += bad;
    for (const m of xml.matchAll(/<testcase\b[^>]*?classname="([^"]*)"[^>]*?name="([^"]*)"[^>]*>\s*<(failure|error)\b[^>]*?message="([^"]*)"/g)) {
      failures.push(`pytest ${m[1]}::${m[2]}: ${firstLine(m[4])}`);
    }
  } else if (py.status !== 0) broken = true;
}

function firstLine(text) {
  const line = String(text ?? '').split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

const full = process.argv.length <= 2;
if (args.vitest) vitest('vitest', args.vitest);
if (process.env.TITAN_CHAOS === '1' && full) vitest('chaos', ['--config', join(root, 'vitest.chaos.config.ts')]);
if (args.pytest) pytest(args.pytest);

if (broken) failed += 1;
if (failures.length > 0) console.log(`\nfailed:\n${failures.map((f) => `  ${f}`).join('\n')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);

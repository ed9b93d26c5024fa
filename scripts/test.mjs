// `npm test`: builds the Worker bundle, runs every vitest suite (unit, workerd integration, bridge,
// agent, browser e2e) and the Python suite, then prints one `N passed, N failed` line.
// TITAN_CHAOS=1 adds the slow fault-injection suite (`npm run test:chaos`, test/chaos/*.chaos.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'test-results');
mkdirSync(out, { recursive: true });
const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });

let passed = 0;
let failed = 0;
let broken = false;

if (run(process.execPath, [join(root, 'scripts', 'build.mjs')]).status !== 0) {
  console.error('build failed');
  process.exit(1);
}

const extra = process.argv.slice(2);
function vitest(name, args) {
  const json = join(out, `${name}.json`);
  rmSync(json, { force: true });
  const v = run(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${json}`, ...args]);
  if (existsSync(json)) {
    const r = JSON.parse(readFileSync(json, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    // A file that failed to load has no failed tests but is a failure all the same.
    if (r.numFailedTestSuites > 0 && r.numFailedTests === 0) failed += r.numFailedTestSuites;
  } else if (v.status !== 0) broken = true;
}
vitest('vitest', extra);
if (process.env.TITAN_CHAOS === '1' && !extra.length) vitest('chaos', ['--config', join(root, 'vitest.chaos.config.ts')]);

if (!extra.length) {
  const junit = join(out, 'pytest.xml');
  const py = run('python3', ['-m', 'pytest', 'test/python', '-q', `--junitxml=${junit}`, '-p', 'no:cacheprovider']);
  if (existsSync(junit)) {
    const xml = readFileSync(junit, 'utf8');
    const attr = (name) => Number(new RegExp(`<testsuite[^>]*\\s${name}="(\\d+)"`).exec(xml)?.[1] ?? 0);
    const total = attr('tests');
    const bad = attr('failures') + attr('errors');
    const skipped = attr('skipped');
    passed += total - bad - skipped;
    failed += bad;
  } else if (py.status !== 0) broken = true;
}

if (broken) failed += 1;
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);

// The Chromium the dashboard's browser tests drive (test/e2e). playwright-core cannot download its
// own browser builds here (offline), so we use the distribution's package: Debian's `chromium`,
// installed with apt-get as root, or through `sudo -n` (never a password prompt: CI has no stdin).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';

// ---- pure ---------------------------------------------------------------------------------------

/**
 * How to get Chromium: `{ run: [] }` when it is there, else the commands to run (apt-get through
 * sudo when not root), or `{ error }` saying what the person has to do.
 */
export function browserPlan({ present, isRoot, canSudo, hasApt }) {
  if (present) return { run: [] };
  const manual = `install it yourself: sudo apt-get install -y chromium (the browser tests use ${CHROMIUM})`;
  if (!hasApt) return { error: `${CHROMIUM} is missing and there is no apt-get here; ${manual}` };
  if (!isRoot && !canSudo) return { error: `${CHROMIUM} is missing and we are neither root nor allowed sudo without a password; ${manual}` };
  const prefix = isRoot ? [] : ['sudo', '-n'];
  return {
    run: [
      [...prefix, 'apt-get', 'update', '-q'],
      [...prefix, 'apt-get', 'install', '-y', '-q', 'chromium'],
    ],
  };
}

// ---- shell --------------------------------------------------------------------------------------

const succeeds = (cmd, args) => spawnSync(cmd, args, { stdio: 'ignore', timeout: 10_000 }).status === 0;

/**
 * Makes sure Chromium is installed; throws with what to do when it cannot.
 * @returns {{ path: string, action: 'present' | 'installed', seconds: number }}
 */
export function ensureBrowser({ log = console.log } = {}) {
  const started = Date.now();
  const seconds = () => (Date.now() - started) / 1000;
  const present = existsSync(CHROMIUM);
  const isRoot = process.getuid?.() === 0;
  const plan = browserPlan({
    present,
    isRoot,
    canSudo: !present && !isRoot && succeeds('sudo', ['-n', 'true']),
    hasApt: !present && succeeds('apt-get', ['--version']),
  });
  if (plan.error) throw new Error(plan.error);
  if (present) return { path: CHROMIUM, action: 'present', seconds: seconds() };
  log('setup-browser: installing Debian chromium…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const [cmd, ...args] of plan.run) execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get finished but ${CHROMIUM} is still missing`);
  return { path: CHROMIUM, action: 'installed', seconds: seconds() };
}


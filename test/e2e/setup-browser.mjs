#!/usr/bin/env node
// Makes sure the system Chromium the dashboard tests drive is installed. playwright-core
// cannot download its own browser builds here (offline), so we use Debian's package.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';

if (existsSync(CHROMIUM)) {
  console.log(`setup-browser: ${CHROMIUM} is present`);
} else if (process.getuid?.() !== 0) {
  console.error(`setup-browser: ${CHROMIUM} is missing and we are not root; install it with: sudo apt-get install -y chromium`);
  process.exit(1);
} else {
  console.log('setup-browser: installing Debian chromium…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-q', 'chromium'], { stdio: 'inherit', env });
  if (!existsSync(CHROMIUM)) {
    console.error(`setup-browser: apt-get finished but ${CHROMIUM} is still missing`);
    process.exit(1);
  }
}

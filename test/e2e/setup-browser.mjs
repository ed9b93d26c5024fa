#!/usr/bin/env node
// Installs the Chromium the dashboard tests drive. `npm test` does this by itself; this entry point
// stays for running the browser tests through vitest directly. The logic is scripts/setup-browser.mjs.
import { ensureBrowser } from '../../scripts/setup-browser.mjs';

try {
  const { path, action, seconds } = ensureBrowser();
  console.log(`setup-browser: ${path} ${action}${action === 'installed' ? ` in ${seconds.toFixed(1)} s` : ''}`);
} catch (err) {
  console.error(`setup-browser: ${err.message}`);
  process.exit(1);
}

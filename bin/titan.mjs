#!/usr/bin/env node
// The `titan` command. It runs the bundle that `npm run build` writes to dist/cli/ (starts fast; the
// only form an installed package has). In a clone with no bundle yet, or whose sources changed since
// it was built, it loads the TypeScript sources through tsx instead, so an edit never runs stale.
// TITAN_CLI_SOURCES=1 forces the sources.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleEntry, bundleIsCurrent } from './bundle.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
let main;
if (process.env.TITAN_CLI_SOURCES !== '1' && bundleIsCurrent(root)) {
  ({ main } = await import(pathToFileURL(bundleEntry(root)).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
}
await main(process.argv.slice(2));

/**
 * Miniflare's `assets` option for an assets-only worker, read from wrangler.toml's `[assets]` table,
 * so the local runtime serves the dashboard's files as `wrangler deploy` uploads them (`_headers`
 * included). The control plane reaches it through its ASSETS binding. (The dashboard build itself
 * is scripts/build.mjs; this only points Miniflare at its output.)
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { WorkerOptions } from 'miniflare';

/** `toml` is wrangler.toml's text; `root` the folder it is in (the directory is relative to it). */
export function dashboardAssets(root: string, toml: string): NonNullable<WorkerOptions['assets']> {
  const table = /^\[assets\][^\n]*\n([\s\S]*?)(?=^\[|$(?![\s\S]))/m.exec(toml)?.[1] ?? '';
  const field = (key: string) => new RegExp(`^${key}\\s*=\\s*"([^"]*)"`, 'm').exec(table)?.[1];
  const dir = field('directory');
  if (!field('binding')) throw new Error('wrangler.toml [assets] has no binding');
  if (!dir) throw new Error('wrangler.toml has no [assets] directory');
  const directory = resolve(root, dir);
  if (!existsSync(directory)) throw new Error(`${directory} is missing: run node scripts/build.mjs`);
  return {
    directory,
    // Only files: the control plane in front of it has already taken everything else.
    routerConfig: { has_user_worker: false },
    assetConfig: { html_handling: 'auto-trailing-slash', not_found_handling: 'none' },
  };
}

// `node scripts/build.mjs`: the Worker bundle exactly as `wrangler deploy` makes it (offline), for the
// embedded local runtime and `npm run deploy:check`. wrangler first runs this script again with
// `--dashboard` (wrangler.toml [build]), which bundles the dashboard's static files with esbuild —
// the same step a real `wrangler deploy` or `wrangler dev` runs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Each file replaces its old version in one rename: a running local cluster never sees it half-written or missing. */
function put(path, contents) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.${process.pid}.tmp`, contents);
  renameSync(`${path}.${process.pid}.tmp`, path);
}

/** Into wrangler.toml's [assets] directory, where each file's URL is its path below it. */
async function buildDashboard() {
  const src = join(root, 'control-plane', 'src', 'dashboard');
  const assets = join(root, 'dist', 'assets');
  const app = await build({
    entryPoints: [join(src, 'app', 'main.ts')],
    outfile: 'app.js',
    write: false,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  put(join(assets, 'dashboard', 'app.js'), app.outputFiles[0].contents);
  put(join(assets, 'dashboard', 'styles.css'), readFileSync(join(src, 'static', 'styles.css')));
  put(join(assets, 'index.html'), readFileSync(join(src, 'static', 'index.html')));
  put(join(assets, '_headers'), readFileSync(join(src, 'static', '_headers')));
}

if (process.argv.includes('--dashboard')) {
  await buildDashboard();
} else {
  const wrangler = join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
  execFileSync(process.execPath, [wrangler, 'deploy', '--dry-run', '--outdir', join(root, 'dist', 'worker')], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', WRANGLER_LOG: 'error', CI: 'true' },
  });
}

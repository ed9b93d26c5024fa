// `node scripts/build.mjs`: the Worker bundle exactly as `wrangler deploy` makes it (offline), for the
// embedded local runtime and `npm run deploy:check`. wrangler first runs this script again with
// `--dashboard` (wrangler.toml [build]), which bundles the dashboard's static files with esbuild —
// the same step a real `wrangler deploy` or `wrangler dev` runs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
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

/**
 * `npm run deploy:check`: after the dry run, says what was checked and the bundle's size; exits 1
 * when a real deploy would fail. The decisions are scripts/deploy-check.mjs.
 */
async function reportDeployCheck() {
  const { deployCheck } = await import('./deploy-check.mjs');
  // wrangler's own reader (the version is pinned), so the check sees the config exactly as deploy does.
  const { unstable_readConfig } = await import('wrangler');
  const config = unstable_readConfig({ config: join(root, 'wrangler.toml') });
  const bundlePath = join('dist', 'worker', 'worker.js');
  const bundle = readFileSync(join(root, bundlePath));
  const assetsDir = config.assets ? resolve(root, config.assets.directory) : null;
  const files = assetsDir && existsSync(assetsDir)
    ? readdirSync(assetsDir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => {
          const path = join(e.parentPath ?? e.path, e.name);
          return { path: relative(assetsDir, path), bytes: statSync(path).size };
        })
    : null;
  const { ok, lines } = deployCheck({
    config,
    bundlePath,
    bundleSource: bundle.toString('utf8'),
    bundleBytes: bundle.length,
    gzipBytes: gzipSync(bundle).length,
    assets: files && { dir: relative(root, assetsDir), files },
  });
  console.log(lines.join('\n'));
  if (!ok) process.exit(1);
}

/**
 * The `titan` CLI as one ES module plus a chunk per lazily loaded command (dist/cli/), so a call
 * starts without compiling TypeScript; bin/titan.mjs runs it. Miniflare stays external (workerd is
 * a native binary with files of its own) and is loaded only by `titan up`. Every `import.meta.url`
 * in our sources becomes the URL of the source file it was written in, so the files a module finds
 * beside itself (zygote.py, sdk/python, package.json, the Worker bundle) resolve from the bundle
 * exactly as from the sources. dist/cli/inputs.json lists the sources, for bin/titan.mjs to notice
 * an out-of-date bundle in a clone.
 */
async function buildCli() {
  const outdir = join(root, 'dist', 'cli');
  const startedAt = Date.now();
  const sourceUrls = {
    name: 'source-urls',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        const rel = relative(outdir, args.path).split(sep).join('/');
        return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'ts' };
      });
    },
  };
  const result = await build({
    entryPoints: { main: join(root, 'cli', 'main.ts') },
    absWorkingDir: root, // the metafile's input paths are relative to it, as bin/bundle.mjs reads them
    outdir,
    write: false,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
    external: ['miniflare'],
    // Bundled CommonJS packages (undici) call require() for Node's own modules.
    banner: { js: "import { createRequire as __titanCreateRequire } from 'node:module'; const require = __titanCreateRequire(import.meta.url);" },
    plugins: [sourceUrls],
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  // Chunks first, the entry last: a `titan` started meanwhile loads the old entry and its old chunks.
  const files = [...result.outputFiles].sort((a, b) => Number(a.path.endsWith('main.mjs')) - Number(b.path.endsWith('main.mjs')));
  const inputs = Object.keys(result.metafile.inputs).filter((f) => !f.includes('node_modules/'));
  put(join(outdir, 'inputs.json'), JSON.stringify({ builtFrom: startedAt, inputs }));
  for (const f of files) put(f.path, f.contents);
  const keep = new Set([...files.map((f) => f.path), join(outdir, 'inputs.json')]);
  // Old chunks go; another build's files still being written (.tmp) stay.
  for (const name of readdirSync(outdir)) if (!keep.has(join(outdir, name)) && !name.endsWith('.tmp')) rmSync(join(outdir, name), { force: true });
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
  await buildCli();
  if (process.argv.includes('--check')) await reportDeployCheck();
}

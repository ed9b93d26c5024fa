// `npm run deploy:check`: what a real `wrangler deploy` would trip over, decided from the dry-run's
// bundle and the parsed wrangler config, all offline. Pure: scripts/build.mjs reads the inputs.

/** Cloudflare's limit on a Worker's compressed size: Workers Free, Workers Paid. */
export const SIZE_LIMITS = { free: 3_000_000, paid: 10_000_000 };
/** The Worker's secrets (control-plane/src/env.ts): unset, every request is refused. */
export const SECRETS = ['CLIENT_TOKEN', 'AGENT_TOKEN'];

export function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

/** Names an ES module bundle exports (`export { A, b as B }`, `export class C`). */
export function exportedNames(source) {
  const names = new Set();
  for (const m of source.matchAll(/export\s*\{([^}]*)\}/g)) {
    for (const part of m[1].split(',')) {
      const name = part.trim().split(/\s+as\s+/).pop()?.trim();
      if (name) names.add(name);
    }
  }
  for (const m of source.matchAll(/export\s+(?:class|function|const|let|var)\s+([A-Za-z_$][\w$]*)/g)) names.add(m[1]);
  return names;
}

/** The Durable Object classes the migrations leave in place, applied in order. */
export function migratedClasses(migrations = []) {
  const classes = new Set();
  for (const m of migrations) {
    for (const c of [...(m.new_classes ?? []), ...(m.new_sqlite_classes ?? [])]) classes.add(c);
    for (const { from, to } of m.renamed_classes ?? []) {
      classes.delete(from);
      classes.add(to);
    }
    for (const c of m.deleted_classes ?? []) classes.delete(c);
  }
  return classes;
}

/**
 * @param {{ config: any, bundlePath: string, bundleSource: string, bundleBytes: number, gzipBytes: number,
 *           assets: { dir: string, files: { path: string, bytes: number }[] } | null }} input
 * @returns {{ ok: boolean, lines: string[] }} `✓` checked and fine, `✗` would fail the deploy, `•` to do by hand.
 */
export function deployCheck({ config, bundlePath, bundleSource, bundleBytes, gzipBytes, assets }) {
  const lines = [];
  let ok = true;
  const add = (mark, what, text) => {
    if (mark === '✗') ok = false;
    lines.push(`  ${mark} ${what.padEnd(15)} ${text}`);
  };

  const size = `${bundlePath} ${formatBytes(bundleBytes)}, gzip ${formatBytes(gzipBytes)}`;
  if (gzipBytes > SIZE_LIMITS.paid) add('✗', 'bundle size', `${size}: over the 10 MB (gzip) limit of Workers Paid`);
  else if (gzipBytes > SIZE_LIMITS.free) add('•', 'bundle size', `${size}: over Workers Free's 3 MB (gzip); needs Workers Paid (10 MB)`);
  else add('✓', 'bundle size', `${size} (limit 3 MB gzip on Workers Free, 10 MB on Paid)`);

  const exported = exportedNames(bundleSource);
  const migrated = migratedClasses(config.migrations);
  const local = (config.durable_objects?.bindings ?? []).filter((b) => !b.script_name);
  const notExported = local.filter((b) => !exported.has(b.class_name)).map((b) => b.class_name);
  const notMigrated = local.filter((b) => !migrated.has(b.class_name)).map((b) => b.class_name);
  const bound = local.map((b) => `${b.name}→${b.class_name}`).join(', ');
  if (notExported.length) add('✗', 'durable objects', `not exported by the bundle: ${notExported.join(', ')}`);
  if (notMigrated.length) add('✗', 'durable objects', `no migration creates: ${notMigrated.join(', ')}`);
  if (local.length && !notExported.length && !notMigrated.length) {
    const tags = (config.migrations ?? []).map((m) => m.tag).join(', ');
    add('✓', 'durable objects', `${bound}: each exported by the bundle and created by a migration (${tags})`);
  }

  if (config.assets) {
    const index = assets?.files.some((f) => f.path === 'index.html');
    if (!assets || !index) add('✗', 'dashboard', `${config.assets.directory}: no index.html (the dashboard build did not run)`);
    else {
      const total = assets.files.reduce((sum, f) => sum + f.bytes, 0);
      add('✓', 'dashboard', `${assets.dir}: ${assets.files.length} files, ${formatBytes(total)}, index.html present (binding ${config.assets.binding})`);
    }
  }

  for (const b of config.r2_buckets ?? []) {
    add('•', 'R2 bucket', `${b.binding}→${b.bucket_name}: must exist before the first deploy (R2 enabled on the account; npx wrangler r2 bucket create ${b.bucket_name})`);
  }
  add('•', 'secrets', `${SECRETS.join(', ')}: set after the first deploy (npx wrangler secret put NAME); not checkable offline`);
  const flags = (config.compatibility_flags ?? []).join(', ');
  const runtime = `compatibility date ${config.compatibility_date}${flags ? `, ${flags}` : ''}`;

  const head = ok
    ? `deploy:check passed: \`wrangler deploy --dry-run\` bundled ${config.name} (${runtime}) offline, nothing uploaded`
    : `deploy:check FAILED for ${config.name}: a real \`wrangler deploy\` would fail`;
  return { ok, lines: [head, ...lines] };
}

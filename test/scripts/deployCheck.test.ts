/** `npm run deploy:check`: what it reports from the dry-run bundle and the wrangler config. */
import { describe, expect, it } from 'vitest';
import { deployCheck, exportedNames, migratedClasses, type DeployConfig } from '../../scripts/deploy-check.mjs';

const config: DeployConfig = {
  name: 'titan-edge',
  compatibility_date: '2026-04-20',
  compatibility_flags: ['nodejs_compat'],
  durable_objects: { bindings: [{ name: 'CLUSTER', class_name: 'ClusterDO' }, { name: 'LOGS', class_name: 'LogDO' }] },
  migrations: [{ tag: 'v1', new_sqlite_classes: ['ClusterDO', 'LogDO'] }],
  r2_buckets: [{ binding: 'ARTIFACTS', bucket_name: 'titan-artifacts' }],
  assets: { directory: './dist/assets', binding: 'ASSETS' },
};
const bundleSource = 'var worker_default = app;\nexport {\n  ClusterDO,\n  LogDO,\n  worker_default as default\n};\n';
const assets = { dir: 'dist/assets', files: [{ path: 'index.html', bytes: 2048 }, { path: 'dashboard/app.js', bytes: 100 * 1024 }] };
const input = { config, bundlePath: 'dist/worker/worker.js', bundleSource, bundleBytes: 414_155, gzipBytes: 94_146, assets };

describe('deploy:check', () => {
  it('passes and says what it checked, with the bundle size', () => {
    const { ok, lines } = deployCheck(input);
    expect(ok).toBe(true);
    const text = lines.join('\n');
    expect(lines[0]).toMatch(/^deploy:check passed: .*titan-edge \(compatibility date 2026-04-20, nodejs_compat\)/);
    expect(text).toMatch(/✓ bundle size +dist\/worker\/worker\.js 404\.4 KiB, gzip 91\.9 KiB/);
    expect(text).toMatch(/✓ durable objects +CLUSTER→ClusterDO, LOGS→LogDO: each exported by the bundle and created by a migration \(v1\)/);
    expect(text).toMatch(/✓ dashboard +dist\/assets: 2 files, 102\.0 KiB, index\.html present/);
    expect(text).toMatch(/• R2 bucket +ARTIFACTS→titan-artifacts: must exist before the first deploy.*r2 bucket create titan-artifacts/);
    expect(text).toMatch(/• secrets +CLIENT_TOKEN, AGENT_TOKEN: set after the first deploy/);
  });

  it('fails when a bound Durable Object class is not exported or never migrated', () => {
    const missing = deployCheck({ ...input, bundleSource: 'export { ClusterDO, w as default };' });
    expect(missing.ok).toBe(false);
    expect(missing.lines[0]).toMatch(/FAILED/);
    expect(missing.lines.join('\n')).toMatch(/✗ durable objects +not exported by the bundle: LogDO/);
    const unmigrated = deployCheck({ ...input, config: { ...config, migrations: [{ tag: 'v1', new_classes: ['ClusterDO'] }] } });
    expect(unmigrated.lines.join('\n')).toMatch(/✗ durable objects +no migration creates: LogDO/);
  });

  it('fails without the dashboard build and over the paid size limit; warns over the free one', () => {
    expect(deployCheck({ ...input, assets: null }).lines.join('\n')).toMatch(/✗ dashboard .*no index\.html/);
    expect(deployCheck({ ...input, gzipBytes: 10_500_000 }).ok).toBe(false);
    const big = deployCheck({ ...input, gzipBytes: 4_000_000 });
    expect(big.ok).toBe(true);
    expect(big.lines.join('\n')).toMatch(/• bundle size .*needs Workers Paid/);
  });

  it('reads exports and applies migrations in order', () => {
    expect([...exportedNames('export { A, b as B };\nexport class C {}')]).toEqual(['A', 'B', 'C']);
    const classes = migratedClasses([
      { tag: 'v1', new_classes: ['Old', 'Gone'] },
      { tag: 'v2', renamed_classes: [{ from: 'Old', to: 'New' }], deleted_classes: ['Gone'] },
    ]);
    expect([...classes]).toEqual(['New']);
  });
});

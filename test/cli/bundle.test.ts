/**
 * bin/titan.mjs runs the built CLI (dist/cli/) only when it can be trusted: always in an installed
 * package, and in a clone only while no source it was built from has changed since.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bundleIsCurrent } from '../../bin/bundle.mjs';

const ROOT = resolve(__dirname, '..', '..');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A tree shaped like the repository: bin/, a source main and a bundle main that say which ran. */
function fakeRoot({ sources = true, bundle = true, builtFrom = Date.now() + 60_000 } = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'titan-bin-'));
  dirs.push(root);
  cpSync(join(ROOT, 'bin'), join(root, 'bin'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  writeFileSync(join(root, 'package.json'), '{"type": "module"}\n');
  if (sources) {
    mkdirSync(join(root, 'cli'));
    writeFileSync(join(root, 'cli', 'main.ts'), "export async function main(argv: string[]): Promise<void> { console.log('sources', argv.join(' ')); }\n");
  }
  if (bundle) {
    mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
    writeFileSync(join(root, 'dist', 'cli', 'main.mjs'), "export async function main(argv) { console.log('bundle', argv.join(' ')); }\n");
    writeFileSync(join(root, 'dist', 'cli', 'inputs.json'), JSON.stringify({ builtFrom, inputs: ['cli/main.ts'] }));
  }
  return root;
}

const titan = (root: string, env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [join(root, 'bin', 'titan.mjs'), 'x', 'y'], { encoding: 'utf8', env: { ...process.env, ...env } }).stdout;

describe('bin/titan.mjs: bundle or sources', () => {
  it('runs the bundle when every source is older than its build', () => {
    const root = fakeRoot();
    expect(bundleIsCurrent(root)).toBe(true);
    expect(titan(root)).toBe('bundle x y\n');
    expect(titan(root, { TITAN_CLI_SOURCES: '1' })).toBe('sources x y\n');
  });

  it('runs the sources when one changed after the build began, or the bundle is missing', () => {
    const edited = fakeRoot({ builtFrom: Date.now() - 60_000 });
    expect(bundleIsCurrent(edited)).toBe(false);
    expect(titan(edited)).toBe('sources x y\n');
    expect(titan(fakeRoot({ bundle: false }))).toBe('sources x y\n');
  });

  it('does not trust a bundle whose list of sources is missing or names a file that is gone', () => {
    const root = fakeRoot();
    rmSync(join(root, 'dist', 'cli', 'inputs.json'));
    expect(bundleIsCurrent(root)).toBe(false);
    const gone = fakeRoot();
    writeFileSync(join(gone, 'dist', 'cli', 'inputs.json'), JSON.stringify({ builtFrom: Date.now() + 60_000, inputs: ['cli/main.ts', 'cli/removed.ts'] }));
    expect(bundleIsCurrent(gone)).toBe(false);
  });

  it('an installed package (no sources) always runs its bundle', () => {
    const root = fakeRoot({ sources: false, builtFrom: 0 });
    utimesSync(join(root, 'dist', 'cli', 'main.mjs'), new Date(0), new Date(0));
    expect(titan(root)).toBe('bundle x y\n');
  });
});

/**
 * The shape of the house, checked: import arrows run one way, nothing is loaded by a path string,
 * and no source file grows past ~400 lines without saying why at its top.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (/\.(ts|mjs|py)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const SOURCE_DIRS = ['control-plane/src', 'worker-agent/src', 'tcp-bridge/src', 'sdk/ts', 'sdk/python/titan_sdk', 'cli'].filter((d) => {
  try {
    return statSync(join(ROOT, d)).isDirectory();
  } catch {
    return false;
  }
});
const ALL = SOURCE_DIRS.flatMap(sources);
/** TypeScript and JavaScript modules: the import rules apply to these. */
const FILES = ALL.filter((f) => !f.endsWith('.py'));

/** Relative imports of a file, resolved to repository paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'";]*?from\s*['"]([^'"]+)['"]/g), ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]);
  return specs.filter((s) => s.startsWith('.')).map((s) => relative(ROOT, resolve(ROOT, dirname(file), s)));
}

/** Which layer a path belongs to; the order of the rules matters (most specific first). */
const LAYERS: [string, string][] = [
  ['control-plane/src/contract', 'contract'],
  ['control-plane/src/lib', 'lib'],
  ['control-plane/src/core', 'core'],
  ['control-plane/src/config', 'config'],
  ['control-plane/src/cluster', 'durable-objects'],
  ['control-plane/src/store', 'durable-objects'],
  ['control-plane/src/logs', 'durable-objects'],
  ['control-plane/src/env', 'durable-objects'],
  ['control-plane/src/mcp', 'mcp'],
  ['control-plane/src/api', 'api'],
  ['control-plane/src/dashboard', 'dashboard'],
  ['control-plane/src/worker', 'worker'],
  ['sdk/ts', 'client'],
  ['worker-agent/src', 'agent'],
  ['tcp-bridge/src', 'bridge'],
  ['cli', 'cli'],
];
const layerOf = (p: string) => LAYERS.find(([prefix]) => p === prefix || p.startsWith(prefix + '/') || p.startsWith(prefix + '.'))?.[1] ?? 'other';

/** Who may import whom: contract ← core ← Durable Objects ← api ← worker; agent, bridge, CLI → client → contract. */
const ALLOWED: Record<string, readonly string[]> = {
  contract: ['contract'],
  lib: ['lib', 'contract'],
  core: ['core', 'contract', 'lib'],
  config: ['config', 'core', 'contract', 'lib', 'durable-objects'],
  'durable-objects': ['durable-objects', 'core', 'contract', 'lib', 'config'],
  // The MCP tools are written once over a port (mcp/port.ts): the Worker implements it with
  // Durable Object calls, the CLI with the HTTP client; submit_yaml reuses the client's pipeline rules.
  mcp: ['mcp', 'contract', 'client'],
  api: ['api', 'durable-objects', 'core', 'contract', 'lib', 'config', 'mcp'],
  dashboard: ['dashboard', 'contract', 'api'],
  worker: ['worker', 'api', 'dashboard', 'durable-objects', 'contract', 'config', 'lib'],
  client: ['client', 'contract'],
  agent: ['agent', 'client', 'contract'],
  bridge: ['bridge', 'client', 'contract'],
  cli: ['cli', 'client', 'contract', 'agent', 'bridge', 'mcp'],
};

describe('import arrows', () => {
  it('finds the source tree', () => {
    expect(FILES.length).toBeGreaterThan(50);
  });

  it('every relative import goes down or sideways, never up', () => {
    const wrong: string[] = [];
    for (const f of FILES) {
      const from = layerOf(f);
      for (const target of importsOf(f)) {
        const to = layerOf(target);
        if (!(ALLOWED[from] ?? []).includes(to)) wrong.push(`${f} (${from}) imports ${target} (${to})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("the agent's runners and its zygote meet only in the process module", () => {
    const crossing = FILES.filter((f) => /^worker-agent\/src\/(runners|zygote)\//.test(f)).flatMap((f) => {
      const side = f.split('/')[2];
      const other = side === 'runners' ? 'zygote' : 'runners';
      return importsOf(f).filter((t) => t.startsWith(`worker-agent/src/${other}/`)).map((t) => `${f} imports ${t}`);
    });
    expect(crossing).toEqual([]);
  });

  it('nothing is loaded by a computed path or a URL string', () => {
    const dodges: string[] = [];
    for (const f of FILES) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      for (const m of text.matchAll(/import\(\s*([^'")\s][^)]*)\)/g)) dodges.push(`${f}: import(${m[1]})`);
      if (/new URL\([^)]*\.ts['"]/.test(text)) dodges.push(`${f}: a .ts file addressed by URL`);
    }
    expect(dodges).toEqual([]);
  });
});

describe('file size', () => {
  it('no source file over ~400 lines without a reason written at its top', () => {
    const big: string[] = [];
    for (const f of ALL) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      const lines = text.split('\n').length;
      // The reason goes in the file's opening comment or docstring.
      if (lines > 420 && !/\b(long|size|lines)\b/i.test(text.slice(0, 400))) big.push(`${f}: ${lines} lines`);
    }
    expect(big).toEqual([]);
  });
});

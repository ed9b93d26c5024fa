// Whether the built CLI (dist/cli/, from `npm run build`) may run in place of the TypeScript sources.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const bundleEntry = (root) => join(root, 'dist', 'cli', 'main.mjs');

/**
 * True when the bundle exists and, in a clone (it has the sources), no source it was built from
 * changed after its build began. An installed package has only the bundle, so it always runs it.
 */
export function bundleIsCurrent(root) {
  if (!existsSync(bundleEntry(root))) return false;
  if (!existsSync(join(root, 'cli', 'main.ts'))) return true;
  try {
    const { builtFrom, inputs } = JSON.parse(readFileSync(join(root, 'dist', 'cli', 'inputs.json'), 'utf8'));
    return inputs.length > 0 && inputs.every((f) => statSync(join(root, f)).mtimeMs < builtFrom);
  } catch {
    return false; // no list, or a source gone: only a new build can be trusted
  }
}

import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { UsageError, type Invocation } from '../args';
import type { System } from '../system';
import { zipFolder } from '../zipFolder';
import { withClient } from './connect';

/** `titan upload FILE [--name NAME]`: a file, or a folder as NAME.zip, into the artifact store. */
export async function runUpload(inv: Invocation, sys: System): Promise<number> {
  const file = resolve(sys.cwd, inv.positionals[0]);
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
  const isDir = statSync(file).isDirectory();
  const name = typeof inv.flags.name === 'string' ? inv.flags.name : isDir ? `${basename(file)}.zip` : basename(file);
  return withClient(inv, sys, async (client) => {
    const r = await client.putArtifact(name, isDir ? zipFolder(file) : readFileSync(file));
    console.log(`uploaded ${r.name} (${r.size} bytes, sha256 ${r.hash.slice(0, 12)}…)`);
    return 0;
  });
}

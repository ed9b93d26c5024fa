import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { loadPipelineFile, pipelineToDag, PipelineError, unsupportedOverHttp } from '../../sdk/ts/pipeline';
import { UsageError, type Invocation } from '../args';
import { followJobs } from '../progress';
import type { System } from '../system';
import { zipFolder } from '../zipFolder';
import { withClient } from './connect';

/** `titan submit FILE.yaml [--wait]`: checks the pipeline and its files before anything is sent. */
export async function runSubmit(inv: Invocation, sys: System): Promise<number> {
  const file = resolve(sys.cwd, inv.positionals[0]);
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
  const base = dirname(file);
  let pipeline;
  try {
    // Every rule at once, the scripts and the project folder beside the file included.
    pipeline = loadPipelineFile(file);
    const unsupported = unsupportedOverHttp(pipeline);
    if (unsupported.length) throw new PipelineError(unsupported);
  } catch (e) {
    if (e instanceof PipelineError) throw new UsageError(`${basename(file)}: ${e.message}`);
    throw e;
  }
  const folder = pipeline.project === null ? null : resolve(base, pipeline.project);
  return withClient(inv, sys, async (client) => {
    let dag;
    if (folder) {
      const archive = pipeline.archive ?? `${basename(folder)}.zip`;
      await client.putArtifact(archive, zipFolder(folder));
      dag = pipelineToDag(pipeline, { archive });
    } else {
      dag = pipelineToDag(pipeline, { readFile: (f) => readFileSync(resolve(base, f)) });
    }
    const r = await client.submitDag(dag);
    console.log(`submitted ${pipeline.name}: ${r.jobs.length} jobs (${r.dag})`);
    if (inv.flags.wait !== true) return 0;
    const final = await followJobs(client, r.jobs, { dag: r.dag, env: sys.env });
    return Object.values(final).every((s) => s === 'COMPLETED') ? 0 : 1;
  });
}

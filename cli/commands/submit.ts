import { resolve } from 'node:path';
import type { Invocation } from '../args';
import { pipelineDag, readPipeline } from '../pipelineDag';
import { followJobs } from '../progress';
import type { System } from '../system';
import { withClient } from './connect';

/** `titan submit FILE.yaml [--wait]`: checks the pipeline and its files before anything is sent. */
export async function runSubmit(inv: Invocation, sys: System): Promise<number> {
  const file = resolve(sys.cwd, inv.positionals[0]);
  const pipeline = readPipeline(file);
  return withClient(inv, sys, async (client) => {
    const r = await client.submitDag(await pipelineDag(file, pipeline, client));
    console.log(`submitted ${pipeline.name}: ${r.jobs.length} jobs (${r.dag})`);
    if (inv.flags.wait !== true) return 0;
    const final = await followJobs(client, r.jobs, { dag: r.dag, env: sys.env });
    return Object.values(final).every((s) => s === 'COMPLETED') ? 0 : 1;
  });
}

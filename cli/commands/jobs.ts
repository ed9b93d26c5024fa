import type { Invocation } from '../args';
import type { System } from '../system';
import { notFound, resolveJob, withClient } from './connect';

/** `titan status ID [--json]`: the job's user status, then its history. */
export function runStatus(inv: Invocation, sys: System): Promise<number> {
  return withClient(inv, sys, async (client) => {
    const id = inv.positionals[0];
    const job = await resolveJob(client, id);
    if (!job) return notFound(id);
    if (inv.flags.json === true) {
      console.log(JSON.stringify(job, null, 2));
      return 0;
    }
    console.log(`${job.id}  ${job.status}  (state ${job.state}, run ${job.run}, attempts ${job.attempts}${job.node ? `, on ${job.node}` : ''}${job.exitCode !== null ? `, exit ${job.exitCode}` : ''})`);
    for (const h of job.history ?? []) console.log(`  ${new Date(h.ts).toISOString()}  ${h.state}${h.note ? `  ${h.note}` : ''}`);
    return 0;
  });
}

/** `titan cancel|retry|stop ID`: one action on one job (stop: a service). */
export function runJobAction(action: 'cancel' | 'retry' | 'stop') {
  return (inv: Invocation, sys: System): Promise<number> =>
    withClient(inv, sys, async (client) => {
      const id = inv.positionals[0];
      const job = await resolveJob(client, id);
      if (!job) return notFound(id);
      const r = action === 'cancel' ? await client.cancelJob(job.id) : action === 'retry' ? await client.retryJob(job.id) : await client.stopService(job.id);
      console.log(`${r.job.id}  ${r.job.status}`);
      return 0;
    });
}

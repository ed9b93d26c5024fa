import { TitanApiError, type TitanHttpClient } from '../../sdk/ts/client';
import type { Invocation } from '../args';
import type { System } from '../system';
import { notFound, printJson, resolveJob, withClient } from './connect';
import { dagText, jobResourceLines } from './listViews';

/** The DAG, or null when the id names none. */
async function findDag(client: TitanHttpClient, id: string) {
  try {
    return await client.getDag(id);
  } catch (e) {
    if (e instanceof TitanApiError && e.status === 404) return null;
    throw e;
  }
}

/** `titan status ID [--json]`: a job's user status, resources and history, or a DAG (`dag-…`) with its jobs. */
export function runStatus(inv: Invocation, sys: System): Promise<number> {
  return withClient(inv, sys, async (client) => {
    const id = inv.positionals[0];
    const job = await resolveJob(client, id);
    if (!job) {
      const dag = await findDag(client, id);
      if (!dag) return console.error(`titan: no job ${id}, and no DAG of that id`), 1;
      if (inv.flags.json === true) return printJson(dag);
      console.log(dagText(dag, Date.now()));
      return 0;
    }
    if (inv.flags.json === true) return printJson(job);
    console.log(`${job.id}  ${job.status}  (state ${job.state}, run ${job.run}, attempts ${job.attempts}${job.node ? `, on ${job.node}` : ''}${job.exitCode !== null ? `, exit ${job.exitCode}` : ''})`);
    for (const line of jobResourceLines(job)) console.log(`  ${line}`);
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

/** `titan approve|reject ID [--reason TEXT] [--by NAME]`: decide a job waiting for approval. */
export function runDecision(decision: 'approve' | 'reject') {
  return (inv: Invocation, sys: System): Promise<number> =>
    withClient(inv, sys, async (client) => {
      const id = inv.positionals[0];
      const job = await resolveJob(client, id);
      if (!job) return notFound(id);
      const by = (inv.flags.by as string | undefined) ?? sys.env.USER ?? undefined;
      const reason = inv.flags.reason as string | undefined;
      const body = { ...(by ? { by } : {}), ...(reason ? { reason } : {}) };
      const r = await client.call(decision === 'approve' ? 'approveJob' : 'rejectJob', { params: { id: job.id }, body });
      console.log(`${r.job.id}  ${r.job.status}  (${decision === 'approve' ? 'approved' : 'rejected'})`);
      return 0;
    });
}

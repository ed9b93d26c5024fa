import type { JobState } from '../../control-plane/src/contract/jobs';
import type { Invocation } from '../args';
import type { System } from '../system';
import { printJson, withClient } from './connect';
import { dagsTable, jobsTable, servicesTable } from './listViews';

/** `titan jobs [--state S] [--dag ID] [--limit N] [--json]`: jobs, newest first. */
export function runJobs(inv: Invocation, sys: System): Promise<number> {
  const { state, dag, limit } = inv.flags;
  // Not the cluster's state dir (see the command table): keep it from the config resolver.
  return withClient({ ...inv, flags: { ...inv.flags, state: undefined } }, sys, async (client) => {
    const { jobs } = await client.listJobs({
      ...(typeof state === 'string' ? { state: state as JobState } : {}),
      ...(typeof dag === 'string' ? { dag } : {}),
      ...(typeof limit === 'number' ? { limit } : {}),
    });
    if (inv.flags.json === true) return printJson(jobs);
    console.log(jobsTable(jobs, Date.now()));
    return 0;
  });
}

/** `titan dags [--limit N] [--json]`: recent DAG runs with their job counts. */
export function runDags(inv: Invocation, sys: System): Promise<number> {
  return withClient(inv, sys, async (client) => {
    const { dags } = await client.listDags(typeof inv.flags.limit === 'number' ? { limit: inv.flags.limit } : {});
    if (inv.flags.json === true) return printJson(dags);
    console.log(dagsTable(dags, Date.now()));
    return 0;
  });
}

/** `titan services [--json]`: running and queued services. */
export function runServices(inv: Invocation, sys: System): Promise<number> {
  return withClient(inv, sys, async (client) => {
    const { services } = await client.stats();
    if (inv.flags.json === true) return printJson(services);
    console.log(servicesTable(services));
    return 0;
  });
}

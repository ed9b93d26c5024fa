import type { Env } from '../env';
import { logShardName } from '../logs/shard';

/** One scheduler per cluster; this deployment serves the cluster named "default". */
export const clusterOf = (env: Env) => env.CLUSTER.get(env.CLUSTER.idFromName('default'));

/** The log shard that holds this job's log (logs/shard.ts); every log call names the job. */
export const logsOf = (env: Env, jobId: string) => env.LOGS.get(env.LOGS.idFromName(logShardName(jobId)));

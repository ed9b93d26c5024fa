import type { Env } from '../env';

/** One scheduler per cluster; this deployment serves the cluster named "default". */
export const clusterOf = (env: Env) => env.CLUSTER.get(env.CLUSTER.idFromName('default'));

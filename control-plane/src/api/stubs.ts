import { settingsOf } from '../config';
import type { Env } from '../env';
import { logShardName } from '../logs/shard';
import { shardOf } from '../contract/shard';

export { clusterOf as cluster } from '../cluster/stub';
export const storeShards = (env: Env) => settingsOf(env).storeShards;
export const storeFor = (env: Env, key: string) => env.STORE.get(env.STORE.idFromName(`shard-${shardOf(key, storeShards(env))}`));
export const storeShard = (env: Env, i: number) => env.STORE.get(env.STORE.idFromName(`shard-${i}`));
/** The log shard that holds this job's log (logs/shard.ts); every log call names the job. */
export const logsFor = (env: Env, jobId: string) => env.LOGS.get(env.LOGS.idFromName(logShardName(jobId)));

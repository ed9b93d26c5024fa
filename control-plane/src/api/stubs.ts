import { settingsOf } from '../config';
import type { Env } from '../env';
import { shardOf } from '../contract/shard';

export { clusterOf as cluster, logsOf as logsFor } from '../cluster/stub';
export const storeShards = (env: Env) => settingsOf(env).storeShards;
export const storeFor = (env: Env, key: string) => env.STORE.get(env.STORE.idFromName(`shard-${shardOf(key, storeShards(env))}`));
export const storeShard = (env: Env, i: number) => env.STORE.get(env.STORE.idFromName(`shard-${i}`));

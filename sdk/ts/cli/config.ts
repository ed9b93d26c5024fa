import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TitanHttpClient } from '../client';
import { str, UsageError, type Parsed } from './args';

/** What `titan up` writes to `<state>/cluster.json` (mode 0600) for every other tool to find. */
export interface ClusterFile {
  url: string;
  clientToken: string;
  agentToken: string;
  bridge: { host: string; port: number };
  dashboard: string;
}

export function readClusterFile(stateDir = '.titan'): ClusterFile | null {
  const file = join(resolve(stateDir), 'cluster.json');
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as ClusterFile;
}

/** URL and client token from flags, then env, then `.titan/cluster.json`. */
export function clientFrom(p: Parsed, env = process.env): TitanHttpClient {
  const file = readClusterFile(str(p, 'state') ?? env.TITAN_STATE ?? '.titan');
  const url = str(p, 'url') ?? env.TITAN_URL ?? file?.url;
  const token = str(p, 'token') ?? env.TITAN_TOKEN ?? file?.clientToken;
  if (!url || !token) throw new UsageError('no control plane given: pass --url and --token, set TITAN_URL and TITAN_TOKEN, or run `titan up` here first');
  return new TitanHttpClient({ url, token });
}

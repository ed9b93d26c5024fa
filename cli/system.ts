import { existsSync, readFileSync } from 'node:fs';
import type { Flags } from './args';
import type { Env, Sources } from './config';

/** What commands read from the outside world, handed in so the decisions above it stay pure. */
export interface System {
  env: Env;
  cwd: string;
  readFile: (path: string) => string | null;
}

export function realSystem(): System {
  return {
    env: process.env,
    cwd: process.cwd(),
    readFile: (path) => (existsSync(path) ? readFileSync(path, 'utf8') : null),
  };
}

export const sourcesOf = (flags: Flags, sys: System): Sources => ({ flags, env: sys.env, cwd: sys.cwd, readFile: sys.readFile });

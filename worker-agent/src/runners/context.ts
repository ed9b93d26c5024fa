import type { TitanHttpClient } from '../../../sdk/ts/client';
import type { Forker } from '../process';

/** Everything a runner needs from its agent, built once before the first job starts. */
export interface RunContext {
  readonly client: TitanHttpClient;
  readonly workdir: string;
  /**
   * The agent's environment, copied once at start: what every job's environment starts from.
   * Copying `process.env` per job cost 0.1 ms (each key is a getenv through an interceptor).
   */
  readonly baseEnv: NodeJS.ProcessEnv;
  readonly url: string;
  /** The agent's embedded bridge, for TITAN_HOST/TITAN_PORT; absent when it has none. */
  readonly bridgePort?: number;
  /** Interpreter for `.py` files. */
  readonly python?: string;
  /** Starts jobs it accepts faster than a spawn (the Python zygote); the rest are spawned. */
  readonly forker?: Forker;
  readonly log?: (line: string) => void;
  /** A service changed state: worth telling the control plane now, not at the next heartbeat. */
  readonly onServiceChange?: () => void;
}

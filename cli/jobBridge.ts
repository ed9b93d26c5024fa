import type { TitanHttpClient } from '../sdk/ts/client';
import { startBridge } from '../tcp-bridge/src/server';

/** What an agent gets injected: its own TITAN_PROTO bridge for the jobs it runs, on a free loopback port. */
export const jobBridge = (client: TitanHttpClient) => startBridge({ client, host: '127.0.0.1', port: 0 });

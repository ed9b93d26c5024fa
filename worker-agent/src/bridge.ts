import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TitanHttpClient } from '../../sdk/ts/client';

export interface EmbeddedBridge {
  host: string;
  port: number;
  close(): Promise<void>;
}

const SERVER = new URL('../../tcp-bridge/src/server.ts', import.meta.url);

/**
 * Start the TITAN_PROTO bridge on 127.0.0.1 for this agent's jobs. Imported lazily so an
 * agent still runs (without a bridge) in a checkout where the bridge is missing or broken.
 */
export async function startEmbeddedBridge(client: TitanHttpClient, log: (line: string) => void): Promise<EmbeddedBridge | null> {
  if (!existsSync(fileURLToPath(SERVER))) {
    log('warning: tcp-bridge/src/server.ts not found; jobs run without TITAN_HOST/TITAN_PORT');
    return null;
  }
  try {
    const mod = (await import(SERVER.href)) as {
      startBridge(o: { client: TitanHttpClient; host: string; port: number }): Promise<EmbeddedBridge>;
    };
    return await mod.startBridge({ client, host: '127.0.0.1', port: 0 });
  } catch (err) {
    log(`warning: embedded bridge failed to start (${(err as Error).message}); jobs run without TITAN_HOST/TITAN_PORT`);
    return null;
  }
}

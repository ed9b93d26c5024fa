import { TitanHttpClient, BRIDGE_CLIENT } from '../../sdk/ts/client';
import { startBridge } from '../../tcp-bridge/src/server';
import type { Invocation } from '../args';
import { bridgeConfig } from '../config';
import { sourcesOf, type System } from '../system';

/** `titan bridge …`: serve TITAN_PROTO until SIGINT/SIGTERM. */
export async function runBridge(inv: Invocation, sys: System): Promise<number> {
  const cfg = bridgeConfig(sourcesOf(inv.flags, sys));
  const client = new TitanHttpClient({ url: cfg.url, token: cfg.token, ...BRIDGE_CLIENT });
  const bridge = await startBridge({ client, host: cfg.host, port: cfg.port, manifestPort: cfg.manifestPort, maxConnections: cfg.maxConnections, authToken: cfg.bridgeToken, log: (msg) => console.error(msg) });
  console.log(`bridge listening on ${bridge.host}:${bridge.port} -> ${client.url}${cfg.bridgeToken ? ' (bridge token required)' : ''}`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await bridge.close();
  // undici's close waits for requests still in flight (uploads may run long): give it a moment, not forever.
  await Promise.race([client.close(), new Promise((r) => setTimeout(r, 1_000).unref())]);
  return 0;
}

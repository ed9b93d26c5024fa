import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBridge, type Bridge } from '../tcp-bridge/src/server';
import { startAgent, type RunningAgent } from '../worker-agent/src/agent';
import { detect } from '../worker-agent/src/capabilities';
import { TitanHttpClient, BRIDGE_CLIENT, LOCAL_RECONNECT_MS } from '../sdk/ts/client';
import type { ClusterFile, UpConfig } from './config';
import { jobBridge } from './jobBridge';
import { ensurePrivateDir, startLocalControlPlane, type LocalControlPlane } from './local/controlPlane';
import { killLeftoverWorkerd } from './local/workerdProcess';
import { checkPortFree, checkPython, waitForPort } from './preflight';

/** A running local cluster: control plane in workerd, the bridge, and local agents. */
export interface LocalCluster {
  file: ClusterFile;
  /** Agents, bridge, runtime, in that order; `phase` hears each step as it begins. */
  stop(phase?: (step: string) => void): Promise<void>;
  /** When a stop hangs: the runtime killed at once (the agents' jobs have their own orphan guards). */
  kill(): void;
}

/**
 * `titan up`'s wiring: control plane, then the bridge and the agents pointed at it, then cluster.json.
 * `log`: details (--verbose); `notice`: what a user should hear of anyway (the runtime restarted when idle).
 */
export async function startLocalCluster(o: UpConfig, log: (l: string) => void = () => {}, notice: (l: string) => void = log): Promise<LocalCluster> {
  checkPython();
  ensurePrivateDir(o.stateDir);
  // A workerd left by a `titan up` that was killed outright would hold the port: it goes first.
  if (await killLeftoverWorkerd(o.stateDir)) {
    log('stopped the workerd a previous `titan up` left running');
    await waitForPort(o.host, o.httpPort);
  }
  await checkPortFree(o.host, o.httpPort, '--http-port');
  await checkPortFree(o.host, o.bridgePort, '--bridge-port');
  const clusterJson = join(o.stateDir, 'cluster.json');
  rmSync(clusterJson, { force: true });

  let cp: LocalControlPlane | null = null;
  let bridge: Bridge | null = null;
  const agents: RunningAgent[] = [];
  let client: TitanHttpClient | null = null;
  const stop = async (phase: (step: string) => void = () => {}) => {
    rmSync(clusterJson, { force: true });
    phase('stopping the agents');
    await Promise.allSettled(agents.map((a) => a.stop(5_000)));
    phase('closing the bridge');
    await bridge?.close().catch(() => {});
    await client?.close().catch(() => {});
    phase('stopping the runtime');
    await cp?.stop().catch(() => {});
  };
  const kill = () => cp?.kill();
  try {
    cp = await startLocalControlPlane({ stateDir: o.stateDir, host: o.host, port: o.httpPort, vars: o.vars, log: notice });
    // 7 s per control-plane call keeps every bridge reply inside the SDK's 10 s socket timeout.
    client = new TitanHttpClient({ url: cp.url, token: cp.clientToken, ...BRIDGE_CLIENT, reconnectMs: LOCAL_RECONNECT_MS });
    bridge = await startBridge({ client, host: o.host, port: o.bridgePort, manifestPort: o.manifestPort, log });
    const detected = await detect({ extra: o.capabilities });
    for (let i = 0; i < o.agents; i++) {
      agents.push(
        await startAgent({
          url: cp.url,
          token: cp.agentToken,
          clientToken: cp.clientToken,
          slots: o.slots,
          name: `local-${i + 1}`,
          workdir: join(o.stateDir, 'agents', `local-${i + 1}`),
          detected,
          capabilities: o.capabilities,
          startBridge: jobBridge,
          log,
        }),
      );
    }
    const file: ClusterFile = {
      url: cp.url,
      clientToken: cp.clientToken,
      agentToken: cp.agentToken,
      bridge: { host: bridge.host, port: bridge.port },
      // With the token: the file is 0600. `titan up` prints the URL without it (see commands/up.ts).
      dashboard: `${cp.url}/?token=${encodeURIComponent(cp.clientToken)}`,
    };
    writeFileSync(clusterJson, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
    chmodSync(clusterJson, 0o600);
    return { file, stop, kill };
  } catch (e) {
    await stop();
    throw e;
  }
}

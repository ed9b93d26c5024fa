import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startBridge, type Bridge } from '../../../tcp-bridge/src/server';
import { startAgent, type RunningAgent } from '../../../worker-agent/src/agent';
import { detect } from '../../../worker-agent/src/capabilities';
import { TitanHttpClient } from '../client';
import { startLocalControlPlane, type LocalControlPlane } from '../local/controlPlane';
import { int, str, type Parsed } from './args';
import type { ClusterFile } from './config';
import { demoPipeline } from './demo';
import { checkPortFree, checkPython } from './preflight';
import { followJobs } from './progress';

export interface UpOptions {
  stateDir: string;
  host: string;
  httpPort: number;
  bridgePort: number;
  /** Where the original SDK POSTs DAG names (it uses 5000); null = off. */
  manifestPort: number | null;
  agents: number;
  capabilities: string[];
  slots: number;
  demo: boolean;
}

export function upOptions(p: Parsed): UpOptions {
  return {
    stateDir: resolve(str(p, 'state') ?? '.titan'),
    host: str(p, 'host') ?? '127.0.0.1',
    httpPort: int(p, 'http-port', 8787),
    bridgePort: int(p, 'bridge-port', 9090),
    manifestPort: p.flags['no-manifest'] === true ? null : int(p, 'manifest-port', 5000),
    agents: int(p, 'agents', 1),
    capabilities: (str(p, 'capabilities') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    slots: int(p, 'slots', 4),
    demo: p.flags.demo === true,
  };
}

/** A running local cluster: control plane in workerd, the bridge, and local agents. */
export interface LocalCluster {
  file: ClusterFile;
  stop(): Promise<void>;
}

export async function startLocalCluster(o: UpOptions, log: (l: string) => void = () => {}): Promise<LocalCluster> {
  checkPython();
  await checkPortFree(o.host, o.httpPort, '--http-port');
  await checkPortFree(o.host, o.bridgePort, '--bridge-port');
  mkdirSync(o.stateDir, { recursive: true });
  const clusterJson = join(o.stateDir, 'cluster.json');
  rmSync(clusterJson, { force: true });

  let cp: LocalControlPlane | null = null;
  let bridge: Bridge | null = null;
  const agents: RunningAgent[] = [];
  let client: TitanHttpClient | null = null;
  const stop = async () => {
    rmSync(clusterJson, { force: true });
    await Promise.allSettled(agents.map((a) => a.stop(5_000)));
    await bridge?.close().catch(() => {});
    await client?.close().catch(() => {});
    await cp?.stop().catch(() => {});
  };
  try {
    cp = await startLocalControlPlane({ stateDir: o.stateDir, host: o.host, port: o.httpPort });
    client = new TitanHttpClient({ url: cp.url, token: cp.clientToken, timeoutMs: 7_000, transferTimeoutMs: 8_500 });
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
          log,
        }),
      );
    }
    const file: ClusterFile = {
      url: cp.url,
      clientToken: cp.clientToken,
      agentToken: cp.agentToken,
      bridge: { host: bridge.host, port: bridge.port },
      dashboard: `${cp.url}/?token=${encodeURIComponent(cp.clientToken)}`,
    };
    writeFileSync(clusterJson, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
    chmodSync(clusterJson, 0o600);
    return { file, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export async function runUp(p: Parsed): Promise<void> {
  const o = upOptions(p);
  const verbose = p.flags.verbose === true;
  const t0 = Date.now();
  const cluster = await startLocalCluster(o, verbose ? (l) => console.log(l) : () => {});
  const f = cluster.file;
  const caps = ['GENERAL', ...o.capabilities.map((c) => c.toUpperCase())];
  console.log(`titan ready in ${Date.now() - t0} ms: control plane ${f.url} · bridge ${f.bridge.host}:${f.bridge.port} · ${o.agents} agent(s) (${caps.join(',')}, ${o.slots} slots) · state ${o.stateDir}`);
  console.log(`dashboard: ${f.dashboard}`);

  let stopping = false;
  const shutdown = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${sig}: stopping the local cluster…`);
    await cluster.stop();
    console.log('stopped.');
    process.exit(0);
  };
  // Miniflare's exit hook would exit(130) at once; we stop the agents and the bridge first.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(sig);
    process.on(sig, () => void shutdown(sig));
  }

  if (o.demo) {
    const client = new TitanHttpClient({ url: f.url, token: f.clientToken });
    const dag = demoPipeline(Date.now().toString(36));
    const r = await client.submitDag(dag);
    console.log(`demo: submitted ${dag.name} (${r.jobs.length} jobs, ${r.dag}); watch it at ${f.url}/#/dags/${r.dag}`);
    const final = await followJobs(client, r.jobs, (l) => console.log(l));
    const ok = Object.values(final).every((s) => s === 'COMPLETED');
    const report = await client.getLogs(r.jobs[r.jobs.length - 1]);
    for (const l of report.lines) console.log(`  report> ${l.text}`);
    console.log(ok ? 'demo: all jobs COMPLETED. The cluster keeps running; Ctrl-C stops it.' : 'demo: some jobs did not complete (see the dashboard).');
    await client.close();
  }
}

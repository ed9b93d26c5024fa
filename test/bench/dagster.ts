// Dagster's figures: the three-asset example through titan_dagster next to the 2-s polling pattern
// (test/bench/dagster_bench.py), against a local plane, a GENERAL+GPU agent, a GENERAL one and a bridge.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ensurePythonEnv, venvEnv } from '../../scripts/setup-python.mjs';
import { TitanHttpClient } from '../../sdk/ts/client';
import { startBridge } from '../../tcp-bridge/src/server';
import { startAgent } from '../../worker-agent/src/agent';
import { embeddedBridge, startCluster, tmpdir } from '../agent/helpers';

export async function benchDagster(): Promise<Record<string, number>> {
  const py = ensurePythonEnv({ log: () => {} });
  const c = await startCluster();
  const agents = await Promise.all(
    [['GPU'], []].map((capabilities, i) => startAgent({ url: c.url, token: c.agentToken, slots: 4, capabilities, name: `bench-dg-${i}`, workdir: tmpdir('bench-dg'), log: () => {}, startBridge: embeddedBridge })),
  );
  const bridge = await startBridge({ client: new TitanHttpClient({ url: c.url, token: c.clientToken }), host: '127.0.0.1', port: 0 });
  try {
    const script = fileURLToPath(new URL('./dagster_bench.py', import.meta.url));
    // Not spawnSync: the agents and the bridge run in this process's event loop.
    const { stdout } = await promisify(execFile)(py.layout.python, [script, c.url, c.clientToken, bridge.host, String(bridge.port), '3'], { env: venvEnv(process.env, py.layout), timeout: 300_000, maxBuffer: 64 << 20 });
    return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, number>;
  } finally {
    await bridge.close();
    await Promise.all(agents.map((a) => a.stop(1000)));
    await c.stop();
  }
}

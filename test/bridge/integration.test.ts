/**
 * Real parts end to end: the control plane in workerd (Miniflare), a real agent, our bridge,
 * and real Python processes speaking TITAN_PROTO (test/bridge/proto_client.py).
 * Skipped while the helpers of the other components are missing from the checkout.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TitanHttpClient } from '../../sdk/ts/client';
import { startBridge, type Bridge } from '../../tcp-bridge/src/server';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const CP = path.join(root, 'cli/local/controlPlane.ts');
const AGENT = path.join(root, 'worker-agent/src/agent.ts');
const PY = path.join(here, 'proto_client.py');

const hasPython = (() => {
  try {
    execFileSync('python3', ['--version']);
    return true;
  } catch {
    return false;
  }
})();
const ready = existsSync(CP) && existsSync(AGENT) && hasPython;

interface Check {
  name: string;
  ok: boolean;
  got: unknown;
  want: unknown;
}

function python(args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('python3', [PY, ...args], { timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe.skipIf(!ready)('bridge against a real control plane, agent and Python clients', () => {
  let stateDir: string;
  let cp: { url: string; clientToken: string; agentToken: string; stop(): Promise<void> };
  let agent: { id: string; stop(): Promise<void> };
  let client: TitanHttpClient;
  let bridge: Bridge;
  let gpuAgent = false;
  const agentLog: string[] = [];

  beforeAll(async () => {
    stateDir = mkdtempSync(path.join(os.tmpdir(), 'titan-bridge-it-'));
    const { startLocalControlPlane } = await import(CP);
    // Short retry backoff so the failing-job scenario ends in seconds.
    cp = await startLocalControlPlane({ stateDir: path.join(stateDir, 'cp'), port: 0, vars: { RETRY_BASE_MS: '100', RETRY_CAP_MS: '400' } });
    client = new TitanHttpClient({ url: cp.url, token: cp.clientToken, timeoutMs: 7_000 });
    bridge = await startBridge({ client, port: 0 });
    const { startAgent } = await import(AGENT);
    agent = await startAgent({
      url: cp.url,
      token: cp.agentToken,
      clientToken: cp.clientToken,
      capabilities: [],
      slots: 4,
      name: 'bridge-it',
      workdir: path.join(stateDir, 'agent'),
      // The agent's own bridge for its jobs, injected as `titan up` does.
      startBridge: (c: TitanHttpClient) => startBridge({ client: c, host: '127.0.0.1', port: 0 }),
      log: (l: string) => agentLog.push(l),
    });
    gpuAgent = (await client.listAgents()).agents.some((a) => a.capabilities.includes('GPU'));
  }, 120_000);

  afterAll(async () => {
    await agent?.stop().catch(() => {});
    await bridge?.close();
    await client?.close();
    await cp?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }, 60_000);

  const scenario = async (name: string, timeoutMs = 110_000) => {
    const r = await python(['127.0.0.1', String(bridge.port), '--scenario', name], timeoutMs);
    expect(r.stderr, r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { checks: Check[]; info: Record<string, string> };
    const failed = out.checks.filter((c) => !c.ok);
    if (failed.length) console.error(`agent log tail:\n${agentLog.slice(-30).join('\n')}`);
    expect(failed, JSON.stringify(failed, null, 2)).toEqual([]);
    expect(out.checks.length).toBeGreaterThan(0);
    return out;
  };

  it('the one-shot CLI sends one frame and prints the reply', async () => {
    const file = path.join(stateDir, 'payload.txt');
    writeFileSync(file, 'cli:key|välue 🚀');
    expect(await python(['127.0.0.1', String(bridge.port), '60', file], 20_000)).toMatchObject({ code: 0, stdout: 'OK' });
    writeFileSync(file, 'cli:key');
    expect(await python(['127.0.0.1', String(bridge.port), '61', file], 20_000)).toMatchObject({ code: 0, stdout: 'välue 🚀' });
  });

  it('store: unicode and 4,000-char values, SADD 1 then 0, SMEMBERS, NULL', () => scenario('store'), 60_000);
  it('assets: upload/fetch same bytes, traversal refused, deploy + RUN', () => scenario('assets'), 120_000);
  it('DAG A→B,C→D completes in order with DAG- ids; jobs use the embedded bridge', () => scenario('dag'), 120_000);
  it('a raising job ends FAILED after its retries; its child CANCELLED', async () => {
    const { info } = await scenario('failing');
    const { job } = await client.getJob(info.failed_job!);
    expect(job.state).toBe('DEAD');
    expect(job.attempts).toBe(job.maxRetries + 1);
  }, 120_000);
  it.skipIf(gpuAgent)('a GPU job stays PENDING with GENERAL agents only, without blocking others', () => scenario('gpu'), 120_000);
  it('a cyclic or malformed DAG is refused and nothing is stored', () => scenario('cycle'), 60_000);
  it('misc: unknown/worker opcodes, STATS, STATS_JSON, services and STOP', () => scenario('misc'), 120_000);

  it('several Python clients at once', async () => {
    const runs = await Promise.all(['store', 'store', 'store', 'cycle'].map((n) => python(['127.0.0.1', String(bridge.port), '--scenario', n], 60_000)));
    for (const r of runs) expect((JSON.parse(r.stdout) as { checks: Check[] }).checks.filter((c) => !c.ok)).toEqual([]);
  }, 90_000);
});

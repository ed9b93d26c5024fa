/**
 * A job's last log lines riding with its result (contract/agents ResultTail): stored before the
 * result is taken, under the lease check of POST /v1/jobs/{id}/logs, once however often they are
 * sent; a request refused as invalid stores nothing and ends nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalControlPlane, type LocalControlPlane } from '../../cli/local/controlPlane';
import { LIMITS } from '../../control-plane/src/contract/common';
import type { LogLine } from '../../control-plane/src/contract/logs';
import { TitanApiError, TitanHttpClient } from '../../sdk/ts/client';
import { b64 } from '../helpers/controlPlane';

let cp: LocalControlPlane;
let client: TitanHttpClient;
let agent: TitanHttpClient;
const stateDir = mkdtempSync(join(tmpdir(), 'titan-tail-'));

beforeAll(async () => {
  cp = await startLocalControlPlane({ stateDir, port: 0 });
  client = new TitanHttpClient({ url: cp.url, token: cp.clientToken });
  agent = new TitanHttpClient({ url: cp.url, token: cp.agentToken });
});
afterAll(async () => {
  await Promise.allSettled([client.close(), agent.close()]);
  await cp.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

/** A job leased by an agent of its own (a capability nobody else offers). */
async function leased(id: string): Promise<{ agentId: string; leaseId: string; run: number }> {
  const cap = `TAIL_${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  await client.submitJob({ id, file: 'a.py', payloadB64: b64('x'), requirement: cap, maxRetries: 0 });
  const agentId = (await agent.registerAgent({ name: `tail-${id}`, capabilities: [cap], slots: 1 })).agentId;
  const lease = (await agent.lease(agentId, { max: 1, waitMs: 0 })).leases[0]!;
  return { agentId, leaseId: lease.leaseId, run: lease.job.run };
}

const lines = (texts: string[], from = 1): LogLine[] => texts.map((text, i) => ({ seq: from + i, ts: Date.now(), stream: 'stdout', text }));
const logOf = async (id: string) => (await client.getLogs(id)).lines.map((l) => l.text);

describe('log tail with the result', () => {
  it('is stored before the job is seen ended, once however often it is sent (lease route)', async () => {
    const { agentId, leaseId, run } = await leased('tail-a');
    const result = { leaseId, status: 'COMPLETED' as const, exitCode: 0, tail: { jobId: 'tail-a', run, lines: lines(['one', 'two']) } };
    const first = await agent.lease(agentId, { max: 0, waitMs: 0, complete: [result] });
    expect(first.acks).toEqual([expect.objectContaining({ leaseId, accepted: true })]);
    expect((await client.getJob('tail-a')).job.status).toBe('COMPLETED');
    expect(await logOf('tail-a')).toEqual(['one', 'two']);
    await agent.lease(agentId, { max: 0, waitMs: 0, complete: [result] }); // a resend after a cut
    expect(await logOf('tail-a')).toEqual(['one', 'two']);
  });

  it('goes with the complete route too, after the lines sent before it', async () => {
    const { agentId, leaseId, run } = await leased('tail-b');
    await agent.appendLogs('tail-b', { leaseId, run, lines: lines(['early'], 1) });
    const r = await agent.complete(agentId, [{ leaseId, status: 'FAILED', exitCode: 3, tail: { jobId: 'tail-b', run, lines: lines(['late'], 2) } }]);
    expect(r.acks[0]!.accepted).toBe(true);
    expect(await logOf('tail-b')).toEqual(['early', 'late']);
  });

  it('is dropped when its lease may not write the log (another job named)', async () => {
    const a = await leased('tail-c');
    await leased('tail-d');
    await agent.lease(a.agentId, { max: 0, waitMs: 0, complete: [{ leaseId: a.leaseId, status: 'COMPLETED', tail: { jobId: 'tail-d', run: 1, lines: lines(['forged']) } }] });
    expect((await client.getJob('tail-c')).job.status).toBe('COMPLETED');
    expect(await logOf('tail-d')).toEqual([]);
  });

  it('a tail over the limit is refused with the whole request: nothing stored, the job still running', async () => {
    const { agentId, leaseId, run } = await leased('tail-e');
    const big = lines(Array.from({ length: LIMITS.maxTailLines + 1 }, (_, i) => `l${i}`));
    const err = await agent.lease(agentId, { max: 0, waitMs: 0, complete: [{ leaseId, status: 'COMPLETED', tail: { jobId: 'tail-e', run, lines: big } }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TitanApiError);
    expect((err as TitanApiError).status).toBe(400);
    expect((await client.getJob('tail-e')).job.status).toBe('RUNNING');
    expect(await logOf('tail-e')).toEqual([]);
  });

  it('a lease request from an agent the cluster does not know stores nothing of its tails', async () => {
    const { agentId, leaseId, run } = await leased('tail-f');
    const err = await agent.lease('no-such-agent', { max: 0, waitMs: 0, complete: [{ leaseId, status: 'COMPLETED', tail: { jobId: 'tail-f', run, lines: lines(['ghost']) } }] }).catch((e: unknown) => e);
    expect((err as TitanApiError).status).toBe(404);
    expect(await logOf('tail-f')).toEqual([]);
    expect((await client.getJob('tail-f')).job.status).toBe('RUNNING');
    await agent.complete(agentId, [{ leaseId, status: 'COMPLETED', tail: { jobId: 'tail-f', run, lines: lines(['real']) } }]);
    expect(await logOf('tail-f')).toEqual(['real']);
  });
});

/**
 * A state dir from the version without `dags.open` (the count of a DAG's jobs not ended): opened
 * by this version, the count is filled from the jobs as they are, so a client waiting on a DAG is
 * answered as it ends, for DAGs that had ended and ones still running across the upgrade.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startLocalControlPlane, type LocalControlPlane } from '../../cli/local/controlPlane';
import { TitanHttpClient } from '../../sdk/ts/client';
import { b64, rawStateWorker } from '../helpers/controlPlane';

const stateDir = mkdtempSync(join(tmpdir(), 'titan-dagopen-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

async function start(): Promise<{ cp: LocalControlPlane; client: TitanHttpClient; agent: TitanHttpClient; stop: () => Promise<void> }> {
  const cp = await startLocalControlPlane({ stateDir, port: 0 });
  const client = new TitanHttpClient({ url: cp.url, token: cp.clientToken });
  const agent = new TitanHttpClient({ url: cp.url, token: cp.agentToken });
  return { cp, client, agent, stop: async () => (await Promise.allSettled([client.close(), agent.close()]), await cp.stop()) };
}

const job = (id: string, parents: string[] = []) => ({ id, file: 'x.py', payloadB64: b64('print(1)'), requirement: 'UPGRADE', parents });

/** The column taken away, as the older version's schema was. */
const OLDER = `
  import { DurableObject } from 'cloudflare:workers';
  export class ClusterDO extends DurableObject {
    downgrade() {
      const sql = this.ctx.storage.sql;
      sql.exec('ALTER TABLE dags DROP COLUMN open');
      return sql.exec('PRAGMA table_info(dags)').toArray().map((c) => c.name);
    }
  }
  export class LogDO extends DurableObject {}
  export default {
    async fetch(req, env) {
      return Response.json(await env.CLUSTER.get(env.CLUSTER.idFromName('default')).downgrade());
    },
  };`;

it('fills the count of open jobs for every DAG, ended or running, when it opens an older state dir', { timeout: 60_000 }, async () => {
  let p = await start();
  const { agentId } = await p.agent.registerAgent({ name: 'upgrade', capabilities: ['UPGRADE'], slots: 1 });
  const leaseOne = async () => (await p.agent.lease(agentId, { max: 1, waitMs: 5000 })).leases[0]!;
  const finish = async (leaseId: string) => p.agent.complete(agentId, [{ leaseId, status: 'COMPLETED', exitCode: 0 }]);
  const { dag: done } = await p.client.submitDag({ jobs: [job('u-done')] });
  await finish((await leaseOne()).leaseId);
  const { dag: running } = await p.client.submitDag({ jobs: [job('u-first'), job('u-second', ['u-first'])] });
  const first = await leaseOne();
  await p.stop();

  expect(await rawStateWorker(stateDir, OLDER, (call) => call('/'))).not.toContain('open');

  p = await start();
  try {
    // Answered within 5 s of a 15 s wait: seen as it ended, not found when the wait ran out.
    const timed = async (dag: string, during: () => Promise<unknown> = async () => {}) => {
      const t0 = Date.now();
      const held = p.client.waitDag(dag, 15_000);
      await during();
      const view = await held;
      expect(Date.now() - t0).toBeLessThan(5_000);
      return view;
    };
    expect(await timed(done)).toMatchObject({ ended: true, counts: { COMPLETED: 1 } });
    expect((await p.client.waitDag(running, 0)).ended).toBe(false);
    const view = await timed(running, async () => {
      await finish(first.leaseId);
      await finish((await leaseOne()).leaseId);
    });
    expect(view).toMatchObject({ ended: true, counts: { COMPLETED: 2 } });
  } finally {
    await p.stop();
  }
});

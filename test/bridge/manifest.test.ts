import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_FRESH_MS, parseManifest } from '../../tcp-bridge/src/manifest';
import { OP } from '../../tcp-bridge/src/opcodes';
import { startBridge, type Bridge } from '../../tcp-bridge/src/server';
import { startTestPlane, waitFor, type TestPlane } from '../helpers/controlPlane';
import { request } from './wire';

describe('parseManifest', () => {
  const now = 1_000_000_000;
  it("reads the original SDK's shape, grouped by DAG name, skipping stale and bookkeeping entries", () => {
    const body = {
      'DAG-a': { dag: 'etl', deps: [], run_ts: now - 1000 },
      'DAG-b': { dag: 'etl', deps: ['DAG-a'], run_ts: now - 1000 },
      'DAG-old': { dag: 'yesterday', deps: [], run_ts: now - MANIFEST_FRESH_MS - 1 },
      __payload__etl: { dag_payload: 'x', run_ts: now },
      '__job_payload__DAG-a': 'a|RUN_PAYLOAD|…',
    };
    expect(parseManifest(body, now)).toEqual([{ name: 'etl', ids: ['DAG-a', 'DAG-b'] }]);
  });
  it('reads the compact shape and refuses junk', () => {
    expect(parseManifest({ dag_name: 'x', jobs: [{ id: 'a' }, 'b'] })).toEqual([{ name: 'x', ids: ['a', 'b'] }]);
    expect(parseManifest(null)).toEqual([]);
    expect(parseManifest([1, 2])).toEqual([]);
    expect(parseManifest({ 'DAG-a': { dag: 7 } })).toEqual([]);
  });
});

describe('manifest listener with a real control plane', () => {
  let cp: TestPlane;
  let bridge: Bridge;
  let manifestPort: number;
  beforeAll(async () => {
    cp = await startTestPlane();
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    manifestPort = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    bridge = await startBridge({ client: cp.client, port: 0, manifestPort });
  });
  afterAll(async () => {
    await bridge?.close();
    await cp?.dispose();
  });

  it('names the DAG just submitted, as the original SDK sends its manifest after SUBMIT_DAG', async () => {
    const b64 = Buffer.from('print(1)').toString('base64');
    expect((await request(bridge.port, OP.SUBMIT_DAG, `m1|RUN_PAYLOAD|a.py||${b64}|NOBODY|1|0|[] ; m2|RUN_PAYLOAD|b.py||${b64}|NOBODY|1|0|[m1]`)).text).toBe('DAG_ACCEPTED');
    const dag = (await cp.client.getJob('DAG-m1')).job.dag!;
    expect((await cp.client.getDag(dag)).name).toBeNull();
    const res = await fetch(`http://127.0.0.1:${manifestPort}/api/manifest/sync`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ 'DAG-m1': { dag: 'nightly-etl', deps: [], run_ts: Date.now() }, 'DAG-m2': { dag: 'nightly-etl', deps: ['DAG-m1'], run_ts: Date.now() } }),
    });
    expect(res.status).toBe(200);
    await waitFor(async () => (await cp.client.getDag(dag)).name === 'nightly-etl', 5000);
  });
});

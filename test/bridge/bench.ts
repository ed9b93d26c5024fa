/**
 * Bridge benchmark (plain tsx script, not a vitest test):
 *
 *   npx tsx test/bridge/bench.ts                 # starts a local control plane in workerd
 *   TITAN_URL=… TITAN_TOKEN=… npx tsx test/bridge/bench.ts   # against a running one
 *
 * Measures KV_SET / KV_GET round trips through a bridge: from Python the way the original SDK
 * makes them (proto_client.py --bench: a new connection per call, one frame out, one back,
 * close; with a bare connect + close as the floor), the same from Node, over one reused
 * connection, the same calls straight over HTTP for the bridge's overhead, and SUBMIT_DAG of
 * 100 jobs. The Python figures twice: the first calls on a fresh bridge and store (`*_fresh_*`),
 * and in use (the headline: after a discarded run, so the code on the path is compiled by use).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BRIDGE_CLIENT, TitanHttpClient } from '../../sdk/ts/client';
import { encodeFrame, FrameDecoder } from '../../tcp-bridge/src/codec';
import { OP } from '../../tcp-bridge/src/opcodes';
import { startBridge } from '../../tcp-bridge/src/server';
import { Conn, request } from './wire';

const N_NEW = 300;
const N_REUSED = 1000;
const DAG_RUNS = 10;
const DAG_SIZE = 100;

const PROTO_CLIENT = fileURLToPath(new URL('./proto_client.py', import.meta.url));

/** The original SDK's pattern from a real Python process (asynchronously: the bridge runs in this one). */
async function pythonStoreBench(port: number, n: number): Promise<Record<string, number>> {
  // python3 from PATH: under `npm run bench`, the bench environment's (run.ts puts it first).
  const { stdout } = await promisify(execFile)('python3', [PROTO_CLIENT, '127.0.0.1', String(port), '--bench', String(n)], { timeout: 120_000 });
  const f = JSON.parse(stdout) as Record<string, number>;
  return {
    py_connect_close_p50_ms: f.connect_close_p50_ms!,
    py_kv_set_new_conn_p50_ms: f.kv_set_p50_ms!,
    py_kv_set_new_conn_p99_ms: f.kv_set_p99_ms!,
    py_kv_get_new_conn_p50_ms: f.kv_get_p50_ms!,
    py_kv_get_new_conn_p99_ms: f.kv_get_p99_ms!,
  };
}

/**
 * The least a store behind the same Python pattern could cost on this machine: a bare Node server
 * that answers each KV_SET once it has overwritten one 4 KiB page of a file and fsynced it (a
 * durable write's least work), and each KV_GET at once, with what proto_client.py expects.
 */
async function floorServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'titan-bridge-floor-'));
  const fd = openSync(path.join(dir, 'f'), 'w+');
  const page = Buffer.alloc(4096, 1);
  for (let i = 0; i < 16; i++) writeSync(fd, page, 0, page.length, i * 4096);
  fsyncSync(fd);
  let at = 0;
  const server = net.createServer((socket) => {
    const decoder = new FrameDecoder();
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      for (const f of decoder.push(chunk).frames) {
        if (f.opcode === OP.KV_SET) {
          writeSync(fd, page, 0, page.length, (at++ % 16) * 4096);
          fsyncSync(fd);
        }
        socket.write(encodeFrame(OP.ACK, f.opcode === OP.KV_SET ? 'OK' : 'v'.repeat(100)));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function pct(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 1000) / 1000;
}

async function timed(n: number, fn: (i: number) => Promise<unknown>): Promise<{ p50: number; p99: number; perSec: number }> {
  const ms: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    ms.push(performance.now() - t);
  }
  return { p50: pct(ms, 50), p99: pct(ms, 99), perSec: Math.round((n / (performance.now() - t0)) * 1000) };
}

/** The bridge's client, with how long each KV_SET / KV_GET waited on the control plane while recording. */
function storeWaits(client: TitanHttpClient) {
  let rec: { put: number[]; get: number[] } | null = null;
  const timed =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>, into: 'put' | 'get') =>
    async (...a: A): Promise<R> => {
      const t = performance.now();
      const r = await fn(...a);
      rec?.[into].push(performance.now() - t);
      return r;
    };
  const kvPut = timed(client.kvPut.bind(client), 'put');
  const kvGet = timed(client.kvGet.bind(client), 'get');
  const wrapped = new Proxy(client, {
    get: (target, prop) => (prop === 'kvPut' ? kvPut : prop === 'kvGet' ? kvGet : Reflect.get(target, prop, target)),
  });
  return {
    client: wrapped,
    start: () => void (rec = { put: [], get: [] }),
    stop: () => {
      const r = rec!;
      rec = null;
      return r;
    },
  };
}

function expectText(want: string | RegExp) {
  return (r: { text: string }) => {
    if (typeof want === 'string' ? r.text !== want : !want.test(r.text)) throw new Error(`unexpected reply: ${r.text.slice(0, 200)}`);
  };
}

/** A DAG of 100 jobs: a chain plus a second parent (i/2), so cancelling the root ends all of it. */
function dagPayload(prefix: string): string {
  const b64 = Buffer.from('print("bench")\n').toString('base64');
  return Array.from({ length: DAG_SIZE }, (_, i) => {
    const parents = i === 0 ? [] : [...new Set([`${prefix}-${i - 1}`, `${prefix}-${Math.floor(i / 2)}`])];
    // BENCH_ONLY: no agent has this capability, so nothing runs on a shared cluster.
    return `${prefix}-${i}|RUN_PAYLOAD|b.py||${b64}|BENCH_ONLY|1|0|[${parents.join(',')}]`;
  }).join(' ; ');
}

export async function benchBridge(cp: { url: string; clientToken: string }): Promise<Record<string, number>> {
  // As `titan up` and `titan bridge` make it (store calls over the store sockets); `http` for the
  // same calls over plain HTTP.
  const client = new TitanHttpClient({ url: cp.url, token: cp.clientToken, ...BRIDGE_CLIENT });
  const http = new TitanHttpClient({ url: cp.url, token: cp.clientToken, timeoutMs: 7_000 });
  const waits = storeWaits(client);
  const bridge = await startBridge({ client: waits.client, port: 0 });
  const out: Record<string, number> = {};
  const tag = `bench-${process.pid}-${Date.now()}`;
  const value = 'v'.repeat(100);
  try {
    // warm-up: connections to the control plane, DO instances, store sockets
    for (let i = 0; i < 200; i++) await request(bridge.port, OP.KV_SET, `${tag}:warm${i}|x`); // every shard: its store socket opens

    // The first calls of a fresh bridge and store.
    const fresh = await pythonStoreBench(bridge.port, N_NEW);
    Object.assign(out, { py_kv_set_new_conn_fresh_p50_ms: fresh.py_kv_set_new_conn_p50_ms, py_kv_get_new_conn_fresh_p50_ms: fresh.py_kv_get_new_conn_p50_ms });
    // In use, as a program looping on the store finds it: the code on the path compiled by use (a
    // run discarded), then measured, with how long the bridge waited on the control plane; the rest
    // is Python, the bridge and the hand-offs between them. (A shard's WAL is grown from its start in
    // the local runtime, lib/walReserve.ts, so fresh and in use differ by the code's warmth only.)
    await pythonStoreBench(bridge.port, N_NEW);
    waits.start();
    Object.assign(out, await pythonStoreBench(bridge.port, N_NEW));
    const w = waits.stop();
    Object.assign(out, {
      py_kv_set_control_plane_p50_ms: pct(w.put, 50),
      py_kv_set_outside_p50_ms: Math.round((out.py_kv_set_new_conn_p50_ms! - pct(w.put, 50)) * 1000) / 1000,
      py_kv_get_control_plane_p50_ms: pct(w.get, 50),
      py_kv_get_outside_p50_ms: Math.round((out.py_kv_get_new_conn_p50_ms! - pct(w.get, 50)) * 1000) / 1000,
    });

    // This machine's floor for the pattern, the same Python code against a bare server (floorServer).
    const floor = await floorServer();
    try {
      await pythonStoreBench(floor.port, N_NEW); // as above: the first run discarded
      const f = await pythonStoreBench(floor.port, N_NEW);
      Object.assign(out, { py_floor_kv_set_fsync_p50_ms: f.py_kv_set_new_conn_p50_ms, py_floor_kv_get_p50_ms: f.py_kv_get_new_conn_p50_ms });
    } finally {
      await floor.close();
    }

    const setNew = await timed(N_NEW, (i) => request(bridge.port, OP.KV_SET, `${tag}:n${i}|${value}`).then(expectText('OK')));
    const getNew = await timed(N_NEW, (i) => request(bridge.port, OP.KV_GET, `${tag}:n${i}`).then(expectText(value)));
    Object.assign(out, {
      kv_set_new_conn_p50_ms: setNew.p50,
      kv_set_new_conn_p99_ms: setNew.p99,
      kv_get_new_conn_p50_ms: getNew.p50,
      kv_get_new_conn_p99_ms: getNew.p99,
    });

    const conn = await Conn.open(bridge.port);
    const setReused = await timed(N_REUSED, (i) => conn.request(OP.KV_SET, `${tag}:r${i}|${value}`).then(expectText('OK')));
    const getReused = await timed(N_REUSED, (i) => conn.request(OP.KV_GET, `${tag}:r${i}`).then(expectText(value)));
    conn.close();
    Object.assign(out, {
      kv_set_reused_p50_ms: setReused.p50,
      kv_set_reused_p99_ms: setReused.p99,
      kv_set_reused_per_s: setReused.perSec,
      kv_get_reused_p50_ms: getReused.p50,
      kv_get_reused_p99_ms: getReused.p99,
      kv_get_reused_per_s: getReused.perSec,
    });

    // The same calls without the bridge: over its store socket, and over HTTP.
    const socketSet = await timed(N_REUSED, (i) => client.kvPut(`${tag}:s${i}`, value));
    const socketGet = await timed(N_REUSED, (i) => client.kvGet(`${tag}:s${i}`));
    const httpSet = await timed(N_REUSED, (i) => http.kvPut(`${tag}:h${i}`, value));
    const httpGet = await timed(N_REUSED, (i) => http.kvGet(`${tag}:h${i}`));
    Object.assign(out, { socket_kv_set_p50_ms: socketSet.p50, socket_kv_get_p50_ms: socketGet.p50, http_kv_set_p50_ms: httpSet.p50, http_kv_get_p50_ms: httpGet.p50 });

    const payloads = Array.from({ length: DAG_RUNS }, (_, r) => dagPayload(`${tag}-d${r}`));
    const dag = await timed(DAG_RUNS, (r) => request(bridge.port, OP.SUBMIT_DAG, payloads[r]!).then(expectText('DAG_ACCEPTED')));
    Object.assign(out, { submit_dag_100_p50_ms: dag.p50, submit_dag_100_max_ms: dag.p99 /* 10 samples: p99 is the max */ });
    for (let r = 0; r < DAG_RUNS; r++) await request(bridge.port, OP.CANCEL_JOB, `${tag}-d${r}-0`); // cascades to the rest
  } finally {
    await bridge.close();
    await client.close();
    await http.close();
  }
  return out;
}

async function main() {
  let cp: { url: string; clientToken: string };
  let stop = async () => {};
  if (process.env.TITAN_URL && process.env.TITAN_TOKEN) {
    cp = { url: process.env.TITAN_URL, clientToken: process.env.TITAN_TOKEN };
  } else {
    const { startLocalControlPlane } = await import('../../cli/local/controlPlane');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'titan-bridge-bench-'));
    const local = await startLocalControlPlane({ stateDir: dir, port: 0 });
    cp = local;
    stop = async () => {
      await local.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  try {
    const figures = await benchBridge(cp);
    for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(28)} ${v}`);
  } finally {
    await stop();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

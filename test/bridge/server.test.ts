import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../tcp-bridge/src/codec';
import { MAX_PAYLOAD, OP } from '../../tcp-bridge/src/opcodes';
import { startBridge, type Bridge } from '../../tcp-bridge/src/server';
import { FakeClient } from './fakeClient';
import { Conn, exchange, parseReplies, request } from './wire';

let fake: FakeClient;
let bridge: Bridge;

beforeAll(async () => {
  fake = new FakeClient();
  bridge = await startBridge({ client: fake.asClient(), port: 0, idleTimeoutMs: 300, replyTimeoutMs: 1_000 });
});
afterAll(() => bridge.close());

describe('startBridge', () => {
  it('listens on a real port when asked for port 0', () => {
    expect(bridge.host).toBe('127.0.0.1');
    expect(bridge.port).toBeGreaterThan(0);
  });

  it('answers one frame per connection with ACK / ERROR opcodes', async () => {
    expect(await request(bridge.port, OP.KV_SET, 'k|v')).toEqual({ version: 1, opcode: OP.ACK, text: 'OK' });
    expect(await request(bridge.port, OP.KV_GET, 'k')).toEqual({ version: 1, opcode: OP.ACK, text: 'v' });
    expect(await request(bridge.port, 0xee)).toEqual({ version: 1, opcode: OP.ERROR, text: 'UNKNOWN_OPCODE: 238' });
  });

  it('answers several frames on one connection in request order', async () => {
    const c = await Conn.open(bridge.port);
    for (let i = 0; i < 20; i++) {
      expect((await c.request(OP.KV_SET, `n|${i}`)).text).toBe('OK');
      expect((await c.request(OP.KV_GET, 'n')).text).toBe(String(i));
    }
    c.close();
  });

  it('keeps order for pipelined frames sent in one write, even when replies differ in speed', async () => {
    const frames = [];
    for (let i = 0; i < 50; i++) frames.push(encodeFrame(OP.KV_SET, `p${i}|${i}`), encodeFrame(i % 7 === 0 ? 0xfe : OP.KV_GET, `p${i}`));
    const { data } = await exchange(bridge.port, Buffer.concat(frames), { expectFrames: 100 });
    const texts = parseReplies(data).frames.map((f) => f.text);
    expect(texts).toEqual(Array.from({ length: 50 }, (_, i) => ['OK', i % 7 === 0 ? 'UNKNOWN_OPCODE: 254' : String(i)]).flat());
  });

  it('serves hundreds of concurrent connections', async () => {
    const replies = await Promise.all(Array.from({ length: 400 }, (_, i) => request(bridge.port, OP.KV_SET, `c${i}|${'é'.repeat(i)}`)));
    expect(replies.every((r) => r.text === 'OK')).toBe(true);
    const got = await Promise.all(Array.from({ length: 400 }, (_, i) => request(bridge.port, OP.KV_GET, `c${i}`)));
    expect(got.map((r) => r.text)).toEqual(Array.from({ length: 400 }, (_, i) => 'é'.repeat(i)));
  });

  it('replies to a peer that half-closes right after its frame', async () => {
    const { data, closedByServer } = await exchange(bridge.port, encodeFrame(OP.KV_GET, 'k'), { halfClose: true });
    expect(parseReplies(data).frames.map((f) => f.text)).toEqual(['v']);
    expect(closedByServer).toBe(true);
  });

  it('drops a peer stalled mid-frame after the read timeout', async () => {
    const t0 = Date.now();
    const { data, closedByServer } = await exchange(bridge.port, encodeFrame(OP.KV_GET, 'hello').subarray(0, 10));
    expect(closedByServer).toBe(true);
    expect(data.length).toBe(0);
    expect(Date.now() - t0).toBeLessThan(3_000);
  });

  it('drops a peer that pipelines requests but never reads the replies', async () => {
    expect((await request(bridge.port, OP.KV_SET, `bigval|${'x'.repeat(200_000)}`)).text).toBe('OK');
    const sock = net.connect(bridge.port, '127.0.0.1');
    sock.pause(); // not reading: replies pile up until the bridge gives up on us
    sock.on('error', () => {});
    await new Promise((r) => sock.on('connect', r));
    const frame = encodeFrame(OP.KV_GET, 'bigval');
    for (let i = 0; i < 2_000; i++) sock.write(frame);
    await new Promise((r) => setTimeout(r, 1_500)); // well past the 300 ms idle timeout
    // Reading now shows how it ended: a close long before 2,000 replies (400 MB) arrived.
    let received = 0;
    sock.on('data', (c: Buffer) => (received += c.length));
    const closed = new Promise<void>((r) => sock.on('close', () => r()));
    sock.resume();
    await closed;
    expect(received).toBeLessThan(100 * 200_000);
    expect((await request(bridge.port, OP.KV_GET, 'k')).text).toBe('v');
  }, 20_000);

  it('a truncated frame at end of stream gets an error frame', async () => {
    const { data } = await exchange(bridge.port, encodeFrame(OP.KV_GET, 'hello').subarray(0, 10), { halfClose: true });
    expect(parseReplies(data).frames).toEqual([{ version: 1, opcode: OP.ERROR, text: expect.stringMatching(/^ERROR: truncated frame/) }]);
  });

  it('a wrong version gets an error frame, then the connection closes', async () => {
    const bad = encodeFrame(OP.KV_GET, 'k');
    bad[0] = 2;
    const { data, closedByServer } = await exchange(bridge.port, Buffer.concat([encodeFrame(OP.KV_GET, 'k'), bad, encodeFrame(OP.KV_GET, 'k')]));
    const frames = parseReplies(data).frames;
    expect(frames.map((f) => f.text)).toEqual(['v', 'ERROR: unsupported protocol version 2 (expected 1)']);
    expect(frames[1]!.opcode).toBe(OP.ERROR);
    expect(closedByServer).toBe(true);
  });

  it('an oversize length is refused from the header alone', async () => {
    const h = encodeFrame(OP.UPLOAD_ASSET, '');
    h.writeUInt32BE(MAX_PAYLOAD + 1, 4);
    const { data, closedByServer } = await exchange(bridge.port, h);
    expect(parseReplies(data).frames[0]!.text).toMatch(/^ERROR: payload of 10485761 bytes exceeds/);
    expect(closedByServer).toBe(true);
  });

  it('accepts a 10 MiB frame', async () => {
    const b64 = Buffer.alloc(((MAX_PAYLOAD - 20) / 4) * 3 - ((((MAX_PAYLOAD - 20) / 4) * 3) % 3), 7).toString('base64');
    const payload = `big.bin|${b64}`;
    expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(MAX_PAYLOAD);
    expect((await request(bridge.port, OP.UPLOAD_ASSET, payload)).text).toBe('UPLOAD_SUCCESS');
  });

  it('invalid UTF-8 gets an error frame', async () => {
    const h = Buffer.from([1, OP.KV_SET, 0, 0, 0, 0, 0, 2, 0xc3, 0x28]);
    const { data } = await exchange(bridge.port, h);
    expect(parseReplies(data).frames[0]!.text).toBe('ERROR: payload is not valid UTF-8');
  });

  it('a slow control plane is answered with an error before the SDK gives up', async () => {
    fake.delayMs = 3_000;
    try {
      const t0 = Date.now();
      expect((await request(bridge.port, OP.KV_GET, 'k')).text).toMatch(/^ERROR: control plane unreachable/);
      expect(Date.now() - t0).toBeLessThan(2_000);
    } finally {
      fake.delayMs = 0;
    }
  });

  it('close() stops listening and drops open connections', async () => {
    const b = await startBridge({ client: fake.asClient(), port: 0 });
    const c = await Conn.open(b.port);
    await b.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(c.closed).toBe(true);
    await expect(
      new Promise((resolve, reject) => net.connect(b.port, '127.0.0.1').on('connect', resolve).on('error', reject)),
    ).rejects.toThrow();
  });
});

describe('manifest listener', () => {
  it('learns a DAG name from the SDK manifest POST and uses it on the next SUBMIT_DAG', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const manifestPort = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));

    const f = new FakeClient();
    const b = await startBridge({ client: f.asClient(), port: 0, manifestPort });
    try {
      const res = await fetch(`http://127.0.0.1:${manifestPort}/api/manifest/sync`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ dag_name: 'etl', jobs: [{ id: 'extract', parents: [] }] }),
      });
      expect(res.status).toBe(200);
      const b64 = Buffer.from('x').toString('base64');
      expect((await request(b.port, OP.SUBMIT_DAG, `extract|RUN_PAYLOAD|e.py||${b64}|GENERAL|1|0|[]`)).text).toBe('DAG_ACCEPTED');
      expect(f.dags[0]!.name).toBe('etl');
      expect((await fetch(`http://127.0.0.1:${manifestPort}/nope`)).status).toBe(404);
    } finally {
      await b.close();
    }
  });
});

/**
 * What one peer may cost the bridge, over real sockets: a frame must arrive whole within its
 * deadline, an idle connection is closed, the number of connections is capped, and an oversize
 * KV key is answered with the limit it broke.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../control-plane/src/contract/common';
import { encodeFrame } from '../../tcp-bridge/src/codec';
import { OP } from '../../tcp-bridge/src/opcodes';
import { startBridge, type Bridge } from '../../tcp-bridge/src/server';
import { FakeClient } from './fakeClient';
import { Conn, parseReplies, request } from './wire';

let fake: FakeClient;
let bridge: Bridge;

beforeAll(async () => {
  fake = new FakeClient();
  bridge = await startBridge({ client: fake.asClient(), port: 0, idleTimeoutMs: 1_500, frameTimeoutMs: 1_000, maxConnections: 5 });
});
afterAll(() => bridge.close());

/** Connects and collects what the bridge sends until it closes (or `giveUpMs`). */
function open(port: number) {
  const sock = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  sock.on('data', (c: Buffer) => chunks.push(c));
  sock.on('error', () => {});
  const closed = new Promise<number>((r) => {
    const t0 = Date.now();
    sock.on('close', () => r(Date.now() - t0));
  });
  const connected = new Promise<void>((r) => sock.on('connect', () => r()));
  return { sock, connected, closed, received: () => Buffer.concat(chunks) };
}

describe('bridge limits', () => {
  it('closes a peer that trickles a frame slower than the frame deadline, with an error frame', async () => {
    const frame = encodeFrame(OP.KV_GET, 'k'.repeat(40));
    const c = open(bridge.port);
    await c.connected;
    // One byte every 200 ms: never silent long enough for the idle timeout, far too slow for the deadline.
    let i = 0;
    const drip = setInterval(() => (i < frame.length && !c.sock.destroyed ? c.sock.write(frame.subarray(i, ++i)) : undefined), 200);
    const ms = await c.closed;
    clearInterval(drip);
    expect(i).toBeLessThan(frame.length);
    expect(ms).toBeLessThan(1_000 + 1_000);
    const replies = parseReplies(c.received()).frames;
    expect(replies).toEqual([{ version: 1, opcode: OP.ERROR, text: 'ERROR: frame not received in full within 1 s' }]);
  });

  it('gives each frame of a kept-open connection its own deadline', async () => {
    const c = await Conn.open(bridge.port);
    for (let n = 0; n < 4; n++) {
      expect((await c.request(OP.KV_SET, `d${n}|${n}`)).text).toBe('OK');
      await new Promise((r) => setTimeout(r, 400)); // 1.6 s in all: more than one deadline, less than the idle timeout each time
    }
    c.close();
  });

  it('closes a connection idle between frames after the idle timeout', async () => {
    const c = open(bridge.port);
    await c.connected;
    c.sock.write(encodeFrame(OP.KV_SET, 'idle|1'));
    const ms = await c.closed;
    expect(parseReplies(c.received()).frames.map((f) => f.text)).toEqual(['OK']);
    expect(ms).toBeGreaterThanOrEqual(1_400);
    expect(ms).toBeLessThan(4_000);
  });

  it('refuses connections beyond the cap with an error frame, and serves again once one closes', async () => {
    await new Promise((r) => setTimeout(r, 200)); // earlier tests' connections are gone
    const held = await Promise.all(Array.from({ length: 5 }, () => Conn.open(bridge.port)));
    // The held ones are really being served.
    for (const [i, c] of held.entries()) expect((await c.request(OP.KV_SET, `cap|${i === 0 ? 1 : 2}`)).text).toBe('OK');
    expect((await held[0]!.request(OP.KV_SET, 'cap|1')).text).toBe('OK');
    const over = open(bridge.port);
    await over.connected;
    over.sock.write(encodeFrame(OP.KV_GET, 'cap'));
    await over.closed;
    expect(parseReplies(over.received()).frames).toEqual([{ version: 1, opcode: OP.ERROR, text: 'ERROR: bridge busy: 5 connections already open; try again later' }]);
    held.forEach((c) => c.close());
    await new Promise((r) => setTimeout(r, 100));
    expect((await request(bridge.port, OP.KV_GET, 'cap')).text).toBe('1');
  });

  it('answers an oversize KV key with the limit, for every KV opcode', async () => {
    const long = 'k'.repeat(LIMITS.maxKeyLength + 1);
    const why = `ERROR: key too long: ${LIMITS.maxKeyLength + 1} characters, the limit is ${LIMITS.maxKeyLength}`;
    for (const [op, payload] of [
      [OP.KV_SET, `${long}|v`],
      [OP.KV_GET, long],
      [OP.KV_SADD, `${long}|m`],
      [OP.KV_SMEMBERS, long],
    ] as const) {
      expect(await request(bridge.port, op, payload)).toEqual({ version: 1, opcode: OP.ERROR, text: why });
    }
    // At the limit it is an ordinary key.
    const max = 'k'.repeat(LIMITS.maxKeyLength);
    expect((await request(bridge.port, OP.KV_SET, `${max}|v`)).text).toBe('OK');
    expect((await request(bridge.port, OP.KV_GET, max)).text).toBe('v');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../tcp-bridge/src/codec';
import { OP } from '../../tcp-bridge/src/opcodes';
import { startBridge, type Bridge } from '../../tcp-bridge/src/server';
import { FakeClient } from './fakeClient';
import { exchange, parseReplies, request } from './wire';

/** Small seeded PRNG (mulberry32) so a failing case can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.FUZZ_SEED ?? 20240601);
const CASES = Number(process.env.FUZZ_CASES ?? 3000);
const KNOWN = Object.values(OP);
const PIECES = ['|', ';', '[', ']', ',', 'DAG-', 'RUN_PAYLOAD', 'RUN_ARCHIVE', 'x.zip/', '..', '/', 'é', '漢', '🚀', '\n', '\0', '=', 'AFFINITY', '-1', '99999999999', 'AAAA'];

function makeCase(r: () => number): { bytes: Buffer; halfClose: boolean } {
  const int = (n: number) => Math.floor(r() * n);
  const text = () => Array.from({ length: int(12) }, () => (r() < 0.6 ? PIECES[int(PIECES.length)] : String.fromCharCode(32 + int(90)))).join('');
  const opcode = () => (r() < 0.7 ? KNOWN[int(KNOWN.length)]! : int(256));
  let bytes: Buffer;
  switch (int(4)) {
    case 0: // random bytes
      bytes = Buffer.from(Array.from({ length: int(40) }, () => int(256)));
      break;
    case 1: // valid frames with hostile payloads
      bytes = Buffer.concat(Array.from({ length: 1 + int(3) }, () => encodeFrame(opcode(), text())));
      break;
    default: {
      // mutated valid frames: flipped bits, cut, wrong lengths
      bytes = Buffer.concat(Array.from({ length: 1 + int(3) }, () => encodeFrame(opcode(), text())));
      for (let k = 0; k < 1 + int(3); k++) {
        const m = int(4);
        if (m === 0 && bytes.length) bytes[int(bytes.length)]! ^= 1 << int(8);
        if (m === 1) bytes = bytes.subarray(0, int(bytes.length + 1));
        if (m === 2 && bytes.length >= 8) bytes.writeUInt32BE(r() < 0.5 ? int(64) : int(2 ** 32), 4);
        if (m === 3) bytes = Buffer.concat([bytes, Buffer.from([int(256), int(256)])]);
      }
    }
  }
  return { bytes, halfClose: r() < 0.8 };
}

let bridge: Bridge;
beforeAll(async () => {
  bridge = await startBridge({ client: new FakeClient().asClient(), port: 0, idleTimeoutMs: 250, replyTimeoutMs: 1_000 });
});
afterAll(() => bridge.close());

describe('fuzz', () => {
  it(`survives ${CASES} random and mutated frames (seed ${SEED}) and still answers`, { timeout: 120_000 }, async () => {
    const r = rng(SEED);
    const cases = Array.from({ length: CASES }, () => makeCase(r));
    let replies = 0;
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const i = next++;
        const { data } = await exchange(bridge.port, cases[i]!.bytes, { halfClose: cases[i]!.halfClose, timeoutMs: 3_000 });
        // Whatever came back must be whole, well-formed reply frames.
        const { frames, rest } = parseReplies(data);
        expect(rest, `case ${i}`).toBe(0);
        for (const f of frames) {
          expect(f.version).toBe(1);
          expect([OP.ACK, OP.ERROR]).toContain(f.opcode);
        }
        replies += frames.length;
      }
    };
    await Promise.all(Array.from({ length: 64 }, worker));
    expect(replies).toBeGreaterThan(CASES / 2);

    expect((await request(bridge.port, OP.KV_SET, 'after-fuzz|still here')).text).toBe('OK');
    expect(await request(bridge.port, OP.KV_GET, 'after-fuzz')).toEqual({ version: 1, opcode: OP.ACK, text: 'still here' });
  });
});

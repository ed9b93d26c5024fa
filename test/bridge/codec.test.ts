import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, isErrorText } from '../../tcp-bridge/src/codec';
import { MAX_PAYLOAD, OP } from '../../tcp-bridge/src/opcodes';

const header = (version: number, opcode: number, length: number) => {
  const h = Buffer.alloc(8);
  h[0] = version;
  h[1] = opcode;
  h.writeUInt32BE(length, 4);
  return h;
};

describe('encodeFrame', () => {
  it('writes version, opcode, zero flags and a big-endian length', () => {
    const f = encodeFrame(0x61, 'abc');
    expect([...f.subarray(0, 8)]).toEqual([1, 0x61, 0, 0, 0, 0, 0, 3]);
    expect(f.subarray(8).toString()).toBe('abc');
  });

  it('counts UTF-8 bytes, not characters', () => {
    expect(encodeFrame(1, 'é').readUInt32BE(4)).toBe(2);
    expect(encodeFrame(1, '漢').readUInt32BE(4)).toBe(3);
    expect(encodeFrame(1, '🚀').readUInt32BE(4)).toBe(4);
  });

  it('encodes lengths above 65535 big-endian', () => {
    const f = encodeFrame(1, 'x'.repeat(0x010203));
    expect([...f.subarray(4, 8)]).toEqual([0, 1, 2, 3]);
  });

  it('allows empty payloads', () => {
    expect(encodeFrame(OP.ACK, '').length).toBe(8);
  });
});

describe('FrameDecoder', () => {
  it('decodes frames fed one byte at a time', () => {
    const d = new FrameDecoder();
    const bytes = Buffer.concat([encodeFrame(0x60, 'k|é漢🚀'), encodeFrame(0x61, ''), encodeFrame(0x08, 'x')]);
    const out = [];
    for (const b of bytes) {
      const r = d.push(Uint8Array.of(b));
      expect(r.error).toBeNull();
      out.push(...r.frames);
    }
    expect(out).toEqual([
      { opcode: 0x60, payload: 'k|é漢🚀' },
      { opcode: 0x61, payload: '' },
      { opcode: 0x08, payload: 'x' },
    ]);
    expect(d.midFrame).toBe(false);
  });

  it('decodes several frames merged in one chunk and a split across chunks', () => {
    const d = new FrameDecoder();
    const all = Buffer.concat([encodeFrame(1, 'a'), encodeFrame(2, 'bb'), encodeFrame(3, 'ccc')]);
    const r1 = d.push(all.subarray(0, 14)); // first frame + 5 bytes of the second
    expect(r1.frames.map((f) => f.payload)).toEqual(['a']);
    expect(d.midFrame).toBe(true);
    const r2 = d.push(all.subarray(14));
    expect(r2.frames.map((f) => f.payload)).toEqual(['bb', 'ccc']);
  });

  it('splits a multi-byte character across chunks without corrupting it', () => {
    const d = new FrameDecoder();
    const f = encodeFrame(0x60, '🚀');
    expect(d.push(f.subarray(0, 10)).frames).toEqual([]);
    expect(d.push(f.subarray(10)).frames).toEqual([{ opcode: 0x60, payload: '🚀' }]);
  });

  it('ignores the flags and spare bytes', () => {
    const f = encodeFrame(0x61, 'k');
    f[2] = 0xff;
    f[3] = 0x7f;
    expect(new FrameDecoder().push(f).frames).toEqual([{ opcode: 0x61, payload: 'k' }]);
  });

  it('accepts exactly 10 MiB and refuses one byte more on the header alone', () => {
    const ok = new FrameDecoder().push(Buffer.concat([header(1, 0x53, MAX_PAYLOAD), Buffer.alloc(MAX_PAYLOAD, 0x41)]));
    expect(ok.error).toBeNull();
    expect(ok.frames[0]!.payload.length).toBe(MAX_PAYLOAD);

    const big = new FrameDecoder().push(header(1, 0x53, MAX_PAYLOAD + 1));
    expect(big.error?.message).toMatch(/exceeds the limit of 10485760/);
  });

  it('reads a 10 MiB frame in 64 KiB chunks', () => {
    const d = new FrameDecoder();
    const f = encodeFrame(0x53, 'z'.repeat(MAX_PAYLOAD));
    const frames = [];
    for (let i = 0; i < f.length; i += 65536) frames.push(...d.push(f.subarray(i, i + 65536)).frames);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.payload.length).toBe(MAX_PAYLOAD);
  });

  it('refuses a wrong version and stays failed', () => {
    const d = new FrameDecoder();
    const r = d.push(Buffer.concat([encodeFrame(1, 'ok'), header(2, 0x61, 0)]));
    expect(r.frames).toEqual([{ opcode: 1, payload: 'ok' }]); // frames before the bad bytes still count
    expect(r.error?.message).toMatch(/version 2/);
    expect(d.push(encodeFrame(1, 'later'))).toEqual({ frames: [], error: null });
    expect(d.error).not.toBeNull();
  });

  it('refuses invalid UTF-8', () => {
    const r = new FrameDecoder().push(Buffer.concat([header(1, 0x60, 3), Buffer.from([0x61, 0xc3, 0x28])]));
    expect(r.error?.message).toMatch(/UTF-8/);
    const lone = new FrameDecoder().push(Buffer.concat([header(1, 0x60, 1), Buffer.from([0xff])]));
    expect(lone.error).not.toBeNull();
  });

  it('reports a truncated payload or header at end of stream', () => {
    const d = new FrameDecoder();
    d.push(encodeFrame(0x60, 'hello').subarray(0, 10));
    expect(d.end()?.message).toMatch(/truncated frame: expected 5 payload bytes, got 2/);

    const h = new FrameDecoder();
    h.push(Buffer.from([1, 0x60, 0]));
    expect(h.end()?.message).toMatch(/truncated header/);

    const clean = new FrameDecoder();
    clean.push(encodeFrame(0x60, 'x'));
    expect(clean.end()).toBeNull();
  });
});

describe('isErrorText', () => {
  it('marks the failure texts of the spec and nothing else', () => {
    for (const t of ['ERROR: x', 'ERROR_NOT_FOUND', 'UNKNOWN_OPCODE: 200', 'UPLOAD_FAILED: x', 'DEPLOY_FAILED: y']) expect(isErrorText(t)).toBe(true);
    for (const t of ['OK', 'NULL', 'NOT_FOUND', '', 'DAG_ACCEPTED', 'JOB_QUEUED x on GENERAL']) expect(isErrorText(t)).toBe(false);
  });
});

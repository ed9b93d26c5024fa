import net from 'node:net';
import { encodeFrame } from '../../tcp-bridge/src/codec';

export interface ReplyFrame {
  version: number;
  opcode: number;
  text: string;
}

/** Splits received bytes into reply frames; `rest` is what did not form a whole frame. */
export function parseReplies(buf: Buffer): { frames: ReplyFrame[]; rest: number } {
  const frames: ReplyFrame[] = [];
  let at = 0;
  while (buf.length - at >= 8) {
    const len = buf.readUInt32BE(at + 4);
    if (buf.length - at - 8 < len) break;
    frames.push({ version: buf[at]!, opcode: buf[at + 1]!, text: buf.subarray(at + 8, at + 8 + len).toString('utf8') });
    at += 8 + len;
  }
  return { frames, rest: buf.length - at };
}

/**
 * Connects, writes `bytes` (optionally half-closing afterwards) and collects everything
 * until the server closes or `timeoutMs` passes. `closedByServer` tells which happened.
 */
export function exchange(
  port: number,
  bytes: Buffer,
  opts: { halfClose?: boolean; timeoutMs?: number; expectFrames?: number } = {},
): Promise<{ data: Buffer; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const sock = net.connect(port, '127.0.0.1');
    let done = false;
    const finish = (closedByServer: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ data: Buffer.concat(chunks), closedByServer });
    };
    const timer = setTimeout(() => finish(false), opts.timeoutMs ?? 5_000);
    sock.on('connect', () => {
      sock.write(bytes);
      if (opts.halfClose) sock.end();
    });
    sock.on('data', (c) => {
      chunks.push(c);
      if (opts.expectFrames !== undefined && parseReplies(Buffer.concat(chunks)).frames.length >= opts.expectFrames) finish(false);
    });
    sock.on('error', () => finish(true));
    sock.on('close', () => finish(true));
  });
}

/** One request, one reply, like the original SDK. */
export async function request(port: number, opcode: number, payload = ''): Promise<ReplyFrame> {
  const { data } = await exchange(port, encodeFrame(opcode, payload), { expectFrames: 1, timeoutMs: 12_000 });
  const f = parseReplies(data).frames[0];
  if (!f) throw new Error(`no reply to opcode ${opcode}`);
  return f;
}

/** A kept-open connection sending frames one after another (our own SDK's mode). */
export class Conn {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly sock: net.Socket) {
    sock.setNoDelay(true);
    sock.on('data', (c) => {
      this.buf = Buffer.concat([this.buf, c]);
      this.waiters.splice(0).forEach((w) => w());
    });
    sock.on('close', () => {
      this.closed = true;
      this.waiters.splice(0).forEach((w) => w());
    });
    sock.on('error', () => {});
  }

  static open(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new Conn(s)));
      s.once('error', reject);
    });
  }

  async next(): Promise<ReplyFrame> {
    for (;;) {
      if (this.buf.length >= 8) {
        const len = this.buf.readUInt32BE(4);
        if (this.buf.length >= 8 + len) {
          const f = parseReplies(this.buf.subarray(0, 8 + len)).frames[0]!;
          this.buf = this.buf.subarray(8 + len);
          return f;
        }
      }
      if (this.closed) throw new Error('connection closed');
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  async request(opcode: number, payload = ''): Promise<ReplyFrame> {
    this.sock.write(encodeFrame(opcode, payload));
    return this.next();
  }

  close() {
    this.sock.destroy();
  }
}

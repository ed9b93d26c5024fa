import { HEADER_SIZE, MAX_PAYLOAD, PROTO_VERSION } from './opcodes';

/** One decoded request frame. Flags and the spare byte are ignored, as the spec says. */
export interface Frame {
  opcode: number;
  payload: string;
}

/** The peer broke the framing rules; the connection cannot be trusted past this point. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

export interface DecodeResult {
  frames: Frame[];
  /** Set once; frames decoded before the bad bytes are still returned. */
  error: ProtocolError | null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** Header + UTF-8 payload. Replies may exceed MAX_PAYLOAD (Base64 of a big asset), so no limit here. */
export function encodeFrame(opcode: number, payload: string | Uint8Array = ''): Buffer {
  const body = typeof payload === 'string' ? encoder.encode(payload) : payload;
  const out = Buffer.allocUnsafe(HEADER_SIZE + body.length);
  out[0] = PROTO_VERSION;
  out[1] = opcode & 0xff;
  out[2] = 0;
  out[3] = 0;
  out.writeUInt32BE(body.length, 4);
  out.set(body, HEADER_SIZE);
  return out;
}

/**
 * The spec's rule for which reply texts go out as ERROR (0x51). Handlers state it per reply
 * (data such as a KV value or log text stays ACK whatever it starts with); tests hold them to it.
 */
export function isErrorText(text: string): boolean {
  return /^(ERROR|UNKNOWN|UPLOAD_FAILED|DEPLOY_FAILED)/.test(text);
}

/**
 * Streaming decoder: feed it whatever the socket delivers (one byte, half a frame,
 * three frames glued together) and it hands back whole frames. Chunks are only
 * concatenated once a frame is complete, so a 10 MiB frame in 64 KiB pieces is not
 * copied over and over.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private size = 0;
  private header: { opcode: number; length: number } | null = null;
  private failed: ProtocolError | null = null;

  constructor(private readonly maxPayload = MAX_PAYLOAD) {}

  push(chunk: Uint8Array): DecodeResult {
    const frames: Frame[] = [];
    if (this.failed) return { frames, error: null };
    if (chunk.length > 0) {
      this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.size += chunk.length;
    }
    for (;;) {
      if (this.header === null) {
        if (this.size < HEADER_SIZE) break;
        const h = this.take(HEADER_SIZE);
        if (h[0] !== PROTO_VERSION) return this.fail(frames, `unsupported protocol version ${h[0]} (expected 1)`);
        const length = h.readUInt32BE(4);
        // Refuse on the header alone: no need to buffer 4 GiB to say no.
        if (length > this.maxPayload) return this.fail(frames, `payload of ${length} bytes exceeds the limit of ${this.maxPayload}`);
        this.header = { opcode: h[1]!, length };
      }
      if (this.size < this.header.length) break;
      const body = this.take(this.header.length);
      let payload: string;
      try {
        payload = utf8.decode(body);
      } catch {
        return this.fail(frames, 'payload is not valid UTF-8');
      }
      frames.push({ opcode: this.header.opcode, payload });
      this.header = null;
    }
    return { frames, error: null };
  }

  /** The stream ended: anything buffered is a truncated frame. */
  end(): ProtocolError | null {
    if (this.failed || !this.midFrame) return null;
    const err = this.header
      ? new ProtocolError(`truncated frame: expected ${this.header.length} payload bytes, got ${this.size}`)
      : new ProtocolError(`truncated header: got ${this.size} of ${HEADER_SIZE} bytes`);
    this.failed = err;
    return err;
  }

  /** Whether part of a frame has been received (a stall here is a stuck peer, not an idle one). */
  get midFrame(): boolean {
    return this.header !== null || this.size > 0;
  }

  get error(): ProtocolError | null {
    return this.failed;
  }

  private fail(frames: Frame[], message: string): DecodeResult {
    this.failed = new ProtocolError(message);
    this.chunks = [];
    this.size = 0;
    this.header = null;
    return { frames, error: this.failed };
  }

  private take(n: number): Buffer {
    if (this.chunks.length > 1 && this.chunks[0]!.length < n) {
      this.chunks = [Buffer.concat(this.chunks, this.size)];
    }
    const first = this.chunks[0] ?? Buffer.alloc(0);
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.size -= n;
    return out;
  }
}

import net from 'node:net';
import type http from 'node:http';
import type { TitanHttpClient } from '../../sdk/ts/client';
import { AUTH_OK, authStep } from './auth';
import { encodeFrame, FrameDecoder } from './codec';
import { handleFrame, type HandlerContext, type Reply } from './handlers/index';
import { DagNameBook, startManifestServer } from './manifest';
import { dagId } from './jobString';
import { OP } from './opcodes';

export interface BridgeOptions {
  client: TitanHttpClient;
  host?: string;
  port?: number;
  /** A peer silent this long (mid-frame, or idle between requests) is dropped. Default 60 s. */
  idleTimeoutMs?: number;
  /**
   * A frame must arrive whole this long after its first byte, however steadily it trickles in;
   * the peer then gets an error frame and is closed. Default 30 s.
   */
  frameTimeoutMs?: number;
  /** Connections served at once; more are answered with an error frame and closed. Default 1024. */
  maxConnections?: number;
  log?: (msg: string) => void;
  /** Port of the SDK's manifest POST (the original used 5000); null (default) = off. */
  manifestPort?: number | null;
  /** Longest a reply may take before the bridge answers with an error itself. Default 9 s (the SDK waits 10). */
  replyTimeoutMs?: number;
  /**
   * Opt-in: each connection must first send AUTH with this token; anything else is refused
   * and closed. Unset (default): no token, as programs written for the original SDK expect.
   */
  authToken?: string;
}

export interface Bridge {
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Frames a connection may have waiting for replies before we stop reading from it. */
const MAX_QUEUED = 64;

/**
 * The TITAN_PROTO server: decodes frames, answers each with its handler in request
 * order, and keeps every failure (bad frames, stuck peers, handler bugs) to the one
 * connection it came from.
 */
export async function startBridge(opts: BridgeOptions): Promise<Bridge> {
  const host = opts.host ?? '127.0.0.1';
  const idleTimeoutMs = opts.idleTimeoutMs ?? 60_000;
  const frameTimeoutMs = opts.frameTimeoutMs ?? 30_000;
  const maxConnections = opts.maxConnections ?? 1024;
  const replyTimeoutMs = opts.replyTimeoutMs ?? 9_000;
  const log = opts.log ?? (() => {});
  if (opts.authToken === '') throw new Error('bridge authToken is empty: leave it unset for an open bridge');
  const authToken = opts.authToken;
  const book = new DagNameBook();
  const ctx: HandlerContext = { client: opts.client, dagNameFor: (ids) => book.lookup(ids) };
  const sockets = new Set<net.Socket>();

  let served = 0;
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    if (served >= maxConnections) return turnAway(socket, maxConnections, log);
    served++;
    socket.on('close', () => served--);
    serveConnection(socket, ctx, { idleTimeoutMs, frameTimeoutMs, replyTimeoutMs, authToken }, log);
  });
  server.on('error', (e) => log(`bridge: server error: ${e.message}`));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 9090, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;

  let manifest: http.Server | null = null;
  if (opts.manifestPort != null) {
    try {
      manifest = await startManifestServer(
        (groups) => {
          for (const g of groups) {
            book.remember(g.name, g.ids);
            void nameSubmittedDag(opts.client, g.ids, g.name);
          }
        },
        host,
        opts.manifestPort,
      );
    } catch (e) {
      // Best effort, like the SDK's POST itself: a busy port must not stop the bridge.
      log(`bridge: manifest listener on ${host}:${opts.manifestPort} not started: ${(e as Error).message}`);
    }
  }

  return {
    host,
    port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      if (manifest) {
        const m = manifest;
        m.closeAllConnections();
        await new Promise<void>((resolve) => m.close(() => resolve()));
      }
      await closed;
    },
  };
}

/** Over the cap: say why in the one frame the SDK reads, then close without reading a request. */
function turnAway(socket: net.Socket, max: number, log: (msg: string) => void): void {
  socket.on('error', () => {});
  socket.end(encodeFrame(OP.ERROR, `ERROR: bridge busy: ${max} connections already open; try again later`));
  // Read and drop what the peer sends meanwhile, so the close is a FIN that keeps our reply readable.
  socket.resume();
  setTimeout(() => socket.destroy(), 2_000).unref();
  log(`bridge: refused a connection from ${socket.remoteAddress}:${socket.remotePort}: ${max} already open`);
}

interface ConnectionRules {
  idleTimeoutMs: number;
  frameTimeoutMs: number;
  replyTimeoutMs: number;
  authToken: string | undefined;
}

function serveConnection(socket: net.Socket, ctx: HandlerContext, { idleTimeoutMs, frameTimeoutMs, replyTimeoutMs, authToken }: ConnectionRules, log: (msg: string) => void): void {
  const decoder = new FrameDecoder();
  // Decided frame by frame as they arrive, so an AUTH pipelined with requests counts in order.
  let authed = false;
  let queue: Promise<void> = Promise.resolve();
  let queued = 0;
  let closing = false;

  socket.setNoDelay(true);
  socket.setTimeout(idleTimeoutMs);
  socket.on('timeout', () => {
    // Waiting on the control plane for a reply is not idleness (the handler deadline bounds it);
    // a peer that stopped reading our replies is.
    if (queued === 0 || socket.writableNeedDrain) socket.destroy();
  });
  socket.on('error', (e) => log(`bridge: connection ${socket.remoteAddress}:${socket.remotePort}: ${e.message}`));

  // Resolves once the reply is handed to the kernel, so a peer that sends but never reads
  // stalls its own queue instead of growing our memory.
  const send = (r: Reply) =>
    new Promise<void>((resolve) => {
      if (socket.destroyed || !socket.writable) return resolve();
      if (socket.write(encodeFrame(r.error ? OP.ERROR : OP.ACK, r.text))) return resolve();
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });

  // Replies leave in request order: each frame waits for the one before it.
  const enqueue = (work: () => Promise<Reply>) => {
    queued++;
    queue = queue
      .then(work)
      .then(send, (e) => send({ text: `ERROR: internal: ${(e as Error)?.message ?? e}`, error: true }))
      .finally(() => {
        queued--;
        if (!closing && socket.isPaused() && queued < MAX_QUEUED / 2) socket.resume();
      });
  };

  const refuse = (message: string) => {
    closing = true;
    enqueue(async () => ({ text: `ERROR: ${message}`, error: true }));
    queue = queue.then(() => {
      socket.end();
      // Keep draining what the peer still sends so the close is a FIN, not a reset
      // that could destroy the error reply before the peer reads it.
      socket.resume();
      setTimeout(() => socket.destroy(), 5_000).unref();
    });
  };

  // The deadline of the frame being received: from its first byte (a new one for each frame).
  let frameTimer: NodeJS.Timeout | null = null;
  const clearFrameTimer = () => {
    if (frameTimer) clearTimeout(frameTimer);
    frameTimer = null;
  };
  const armFrameTimer = () => {
    frameTimer = setTimeout(() => {
      frameTimer = null;
      if (closing) return;
      // Paused by us (replies backed up): not the peer's delay.
      if (socket.isPaused()) return armFrameTimer();
      refuse(`frame not received in full within ${frameTimeoutMs / 1000} s`);
    }, frameTimeoutMs);
    frameTimer.unref();
  };
  socket.on('close', clearFrameTimer);

  socket.on('data', (chunk: Buffer) => {
    if (closing) return;
    const { frames, error } = decoder.push(chunk);
    for (const f of frames) {
      const step = authStep(f.opcode, f.payload, authToken, authed);
      if (step.kind === 'refuse') {
        log(`bridge: refused ${socket.remoteAddress}:${socket.remotePort}: ${step.message}`);
        return clearFrameTimer(), refuse(step.message);
      }
      if (step.kind === 'accept') {
        authed = true;
        enqueue(async () => ({ text: AUTH_OK, error: false }));
      } else {
        enqueue(() => handleFrame(f.opcode, f.payload, ctx, replyTimeoutMs));
      }
    }
    if (error) return clearFrameTimer(), refuse(error.message);
    if (frames.length > 0 || !decoder.midFrame) clearFrameTimer();
    if (decoder.midFrame && !frameTimer) armFrameTimer();
    if (queued >= MAX_QUEUED) socket.pause();
  });

  socket.on('end', () => {
    // The peer finished sending (it may still read): answer what we have, then close.
    if (closing) return;
    clearFrameTimer();
    const truncated = decoder.end();
    if (truncated) return refuse(truncated.message);
    closing = true;
    queue = queue.then(() => {
      socket.end();
    });
  });
}

/**
 * The SDK POSTs the manifest after SUBMIT_DAG, so the DAG already exists unnamed: name it now.
 * Best effort, and never over a name the DAG was given explicitly.
 */
async function nameSubmittedDag(client: TitanHttpClient, ids: string[], name: string): Promise<void> {
  try {
    const job = ids.length ? await client.findJob(dagId(ids[0])) : null;
    if (job?.dag) await client.nameDag(job.dag, name, true);
  } catch {
    /* the manifest is advisory */
  }
}

/**
 * The store over WebSockets (contract/store.ts), one per shard, opened on first use: a get or a
 * put is then one message each way instead of an HTTP request (measured: about 0.13 ms less per
 * call from Node). Whenever a socket is not open (connecting, refused, closed, an old control
 * plane without the route) the call goes over HTTP instead, so this only ever makes calls faster.
 */
import { WebSocket } from 'undici';
import { TitanApiError } from '../../control-plane/src/contract/call';
import { ROUTES, type RouteName } from '../../control-plane/src/contract/routes';
import { shardOf } from '../../control-plane/src/contract/shard';
import { fitsStoreSocket, StoreSocketReply, type StoreSocketOp, type StoreSocketRequest } from '../../control-plane/src/contract/store';
import { idempotent } from './resend';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type StoreCall = DistributiveOmit<StoreSocketRequest, 'id'>;
export type StoreAnswer = Exclude<StoreSocketReply, { error: unknown }>;

/**
 * The socket went with the call on it (`resend`: it closed, so HTTP may take the call) or never
 * answered; `untouched`: the server refused the call without doing anything, so HTTP may take any op.
 */
export class StoreSocketLost extends Error {
  constructor(
    message: string,
    readonly resend: boolean,
    readonly untouched = false,
  ) {
    super(message);
    this.name = 'StoreSocketLost';
  }
}

/** The HTTP route that does what each socket op does. */
const ROUTE_OF: Record<StoreSocketOp, RouteName> = { get: 'kvGet', put: 'kvPut', delete: 'kvDelete', sadd: 'sadd', smembers: 'smembers' };

/**
 * Whether a call lost with its socket may go again over HTTP: when its route's method is
 * idempotent (resend.ts), the rule the HTTP client keeps for a cut connection. Not SADD (a POST),
 * whose answer (added or not) would be wrong the second time.
 */
export function resendableOp(op: StoreSocketOp): boolean {
  return idempotent(ROUTES[ROUTE_OF[op]].method);
}

/** After a socket could not be opened, or the shard count not learnt, HTTP only for this long. */
const RETRY_AFTER_MS = 5_000;
/** After a socket left a call unanswered (something on the way swallows messages), or the control plane has no socket route, HTTP only for this long. */
const SILENT_RETRY_AFTER_MS = 60_000;

export interface StoreSocketOptions {
  /** The control plane's base URL (http or https). */
  url: string;
  token: string;
  /** No answer within this: the call fails (as an HTTP call would) and the socket is dropped. */
  timeoutMs: number;
  /** `GET /v1/store/socket` without Upgrade: how many shards there are. */
  describe: () => Promise<{ shards: number }>;
}

export class StoreSockets {
  private shards: number | null = null;
  private learning = false;
  private quietUntil = 0;
  private readonly open = new Map<number, ShardSocket>();
  private closed = false;

  constructor(private readonly o: StoreSocketOptions) {}

  /** The answer over the key's shard socket; null when none is open (use HTTP: one is being opened). */
  call(call: StoreCall): Promise<StoreAnswer> | null {
    if (this.closed || Date.now() < this.quietUntil) return null;
    if (this.shards === null) {
      this.learnShards();
      return null;
    }
    const shard = shardOf(call.key, this.shards);
    const s = this.open.get(shard);
    if (s?.usable) return s.send(call)?.catch((err) => this.misrouted(err)) ?? null;
    if (!s || s.gone) this.connect(shard);
    return null;
  }

  /** A shard refused a key as another's (409): the shard count changed; learn it again, on fresh sockets. */
  private misrouted(err: unknown): never {
    if (err instanceof TitanApiError && err.status === 409) {
      this.shards = null;
      this.closeAll();
      throw new StoreSocketLost(err.message, true, true);
    }
    throw err;
  }

  close(): void {
    this.closed = true;
    this.closeAll();
  }

  private closeAll(): void {
    for (const s of this.open.values()) s.close();
    this.open.clear();
  }

  private learnShards(): void {
    if (this.learning) return;
    this.learning = true;
    this.o
      .describe()
      .then(
        (info) => void (this.shards = info.shards),
        // Refused (a control plane from before the socket: 404) will not change soon; unreachable may.
        (err) => void (this.quietUntil = Date.now() + (err instanceof TitanApiError ? SILENT_RETRY_AFTER_MS : RETRY_AFTER_MS)),
      )
      .finally(() => (this.learning = false));
  }

  private connect(shard: number): void {
    const url = `${this.o.url.replace(/^http/, 'ws')}/v1/store/socket?shard=${shard}`;
    try {
      const s = new ShardSocket(url, this.o.token, this.o.timeoutMs, () => {
        if (this.open.get(shard) === s) this.open.delete(shard);
        const quiet = s.silent ? SILENT_RETRY_AFTER_MS : s.everOpened ? 0 : RETRY_AFTER_MS;
        this.quietUntil = Math.max(this.quietUntil, Date.now() + quiet);
      });
      this.open.set(shard, s);
    } catch {
      this.quietUntil = Date.now() + RETRY_AFTER_MS; // a URL the WebSocket client refuses: HTTP it is
    }
  }
}

const errorOf = (e: { status: number; code: string; message: string }) => new TitanApiError(e.status, e.code, e.message);

interface Pending {
  resolve: (a: StoreAnswer) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

class ShardSocket {
  private readonly ws: WebSocket;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  everOpened = false;
  /** A call went unanswered within the timeout. */
  silent = false;
  gone = false;

  constructor(
    url: string,
    token: string,
    private readonly timeoutMs: number,
    private readonly onGone: () => void,
  ) {
    this.ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    this.ws.addEventListener('open', () => (this.everOpened = true));
    this.ws.addEventListener('message', (e) => this.answer(e.data));
    this.ws.addEventListener('close', () => this.lost('the store socket closed'));
    this.ws.addEventListener('error', () => this.lost('the store socket failed'));
  }

  get usable(): boolean {
    return this.everOpened && !this.gone && this.ws.readyState === WebSocket.OPEN;
  }

  /** null when the message is over the socket's limit (HTTP takes it). */
  send(call: StoreCall): Promise<StoreAnswer> | null {
    const id = this.nextId++;
    const text = JSON.stringify({ id, ...call });
    if (!fitsStoreSocket(text)) return null;
    return new Promise<StoreAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new StoreSocketLost(`no answer within ${this.timeoutMs} ms on the store socket`, false));
        this.silent = true;
        this.close(); // stuck: HTTP for a while (SILENT_RETRY_AFTER_MS)
      }, this.timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(text);
    });
  }

  close(): void {
    this.lost('the store socket was closed');
  }

  private answer(data: unknown): void {
    let reply: StoreSocketReply;
    try {
      reply = StoreSocketReply.parse(JSON.parse(String(data)));
    } catch (err) {
      return this.fail(new StoreSocketLost(`a store socket reply that is not one: ${(err as Error).message}`, false));
    }
    const p = reply.id === null ? undefined : this.pending.get(reply.id);
    if (!p) {
      // An error that names no call (the server could not read one): nothing else can be trusted on
      // this socket. An answer to a call that timed out meanwhile is just late.
      if (reply.id === null && 'error' in reply) this.fail(errorOf(reply.error));
      return;
    }
    this.pending.delete(reply.id!);
    clearTimeout(p.timer);
    if ('error' in reply) p.reject(errorOf(reply.error));
    else p.resolve(reply);
  }

  private lost(why: string): void {
    this.fail(new StoreSocketLost(why, true));
  }

  /** Every call still waiting fails with `err`; the socket is not used again. */
  private fail(err: Error): void {
    if (!this.gone) {
      this.gone = true;
      this.onGone();
    }
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    // Opening or open: close it (closing an opening socket abandons the handshake).
    if (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN) this.ws.close();
  }
}

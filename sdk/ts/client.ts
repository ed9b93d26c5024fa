import { Agent, request, type Dispatcher } from 'undici';
import { mayResend } from './resend';
import { resendableOp, StoreSocketLost, StoreSockets, type StoreAnswer, type StoreCall } from './storeSocket';
import { apiErrorOf, callRoute, routePath, TitanApiError, type CallArgs, type RouteOutput, type Transport } from '../../control-plane/src/contract/call';
import { ROUTES, type RouteDef, type RouteName } from '../../control-plane/src/contract/routes';
import type { CompleteRequest, HeartbeatRequestInput, LeaseRequestInput, RegisterAgentRequestInput } from '../../control-plane/src/contract/agents';
import type { AppendLogsRequest } from '../../control-plane/src/contract/logs';
import type { DecisionRequest, JobSpecInput, SubmitDagRequestInput } from '../../control-plane/src/contract/jobs';
import type { ScheduleSpecInput } from '../../control-plane/src/contract/schedules';
import type { z } from 'zod';

export { TitanApiError };

/** The control plane could not be reached (refused, reset, timed out). */
export class TitanUnreachableError extends Error {
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'TitanUnreachableError';
  }
}

export interface ClientOptions {
  url: string;
  token: string;
  /** Per-request timeout in ms for ordinary calls (long-polls add their wait). */
  timeoutMs?: number;
  /** Timeout for uploads and downloads of artifacts, scripts and blobs (default 120 s). */
  transferTimeoutMs?: number;
  /** Max pooled keep-alive connections to the control plane. */
  connections?: number;
  dispatcher?: Dispatcher;
  /**
   * A refused connection (the request never left), or an idempotent call whose connection was cut
   * (`resend.ts`), is tried again for up to this long, within the call's timeout: a local runtime
   * restarting (`titan up` gives memory back when idle) is back in about a second. 0 (the default):
   * fail at once.
   */
  reconnectMs?: number;
  /** Store calls over WebSockets, one per shard (storeSocket.ts), HTTP whenever one is not open. */
  storeSocket?: boolean;
}

/**
 * A client serving TITAN_PROTO (the bridge, an agent's embedded bridge): its timeouts bring every
 * reply to the original SDK inside its 10 s socket timeout, an error rather than a hang; its
 * store calls (the SDK's hottest, a connection each) go over the store sockets.
 */
export const BRIDGE_CLIENT = { timeoutMs: 7_000, transferTimeoutMs: 8_500, storeSocket: true } as const;

/** How long a bridge in front of a local runtime waits out a refused connection (a restart takes ~1 s). */
export const LOCAL_RECONNECT_MS = 5_000;

/**
 * How long an idle connection is kept for the next call. Under the server's own idle close, so a
 * call never goes out on a connection the server is closing at that moment: workerd closes one
 * after 5 s (measured), and a POST sent into that close fails ("other side closed") without the
 * server having read it, yet may not be sent again (it might have been). Reconnecting after a
 * pause costs a TCP (and TLS) handshake; a busy client never pauses that long.
 */
export const IDLE_SOCKET_MS = 4_000;

/** Typed HTTP client for the control plane, shared by the bridge, the agent, the CLI and the tests. */
export class TitanHttpClient {
  readonly url: string;
  private readonly token: string;
  private readonly timeoutMs: number;
  private readonly transferTimeoutMs: number;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly reconnectMs: number;
  private readonly sockets: StoreSockets | null;

  constructor(opts: ClientOptions) {
    this.reconnectMs = opts.reconnectMs ?? 0;
    this.url = opts.url.replace(/\/+$/, '');
    this.token = opts.token;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.transferTimeoutMs = opts.transferTimeoutMs ?? 120_000;
    this.ownsDispatcher = !opts.dispatcher;
    // Long-polls outlive Node's default timeouts; we keep our own per-call timer instead.
    this.dispatcher =
      opts.dispatcher ??
      new Agent({ connections: opts.connections ?? 64, keepAliveTimeout: IDLE_SOCKET_MS, headersTimeout: 0, bodyTimeout: 0, pipelining: 1 });
    this.sockets = opts.storeSocket ? new StoreSockets({ url: this.url, token: this.token, timeoutMs: this.timeoutMs, describe: () => this.describeStoreSocket() }) : null;
  }

  async close(): Promise<void> {
    this.sockets?.close();
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /** One HTTP call; errors become TitanApiError / TitanUnreachableError. */
  private async send(method: string, path: string, body: string | Uint8Array | undefined, contentType: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<Uint8Array> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (contentType) headers['content-type'] = contentType;
    // The deadline covers the answer and its body. One timer, cleared when the call ends: an
    // AbortSignal.timeout per call would stay armed for the whole timeout after a sub-millisecond
    // call (thousands of live timers at the bridge's rates, each firing later for nothing).
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs).unref();
    const giveUpAt = Date.now() + this.reconnectMs;
    try {
      let res: Dispatcher.ResponseData;
      for (;;) {
        try {
          res = await request(this.url + path, { method: method as Dispatcher.HttpMethod, headers, body, dispatcher: this.dispatcher, signal: signal ? AbortSignal.any([deadline.signal, signal]) : deadline.signal });
          break;
        } catch (err) {
          const e = err as Error & { code?: unknown };
          if (mayResend(method, e.code) && Date.now() < giveUpAt && !deadline.signal.aborted && !signal?.aborted) {
            await new Promise((r) => setTimeout(r, 100));
            continue;
          }
          const why = e.name === 'TimeoutError' || e.name === 'AbortError' ? `no answer within ${timeoutMs} ms` : `${typeof e.code === 'string' ? e.code : e.name}: ${e.message}`;
          throw new TitanUnreachableError(`control plane unreachable: ${why} (${this.url})`, err);
        }
      }
      let buf: Uint8Array;
      try {
        buf = new Uint8Array(await res.body.arrayBuffer());
      } catch (err) {
        throw new TitanUnreachableError(`control plane unreachable: response interrupted: ${(err as Error).message}`, err);
      }
      if (res.statusCode >= 400) throw apiErrorOf(res.statusCode, new TextDecoder().decode(buf));
      return buf;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Routes that move files get the transfer timeout; the rest the ordinary one. */
  private timeoutFor(name: RouteName): number {
    const def = ROUTES[name] as RouteDef;
    return def.rawBody || def.rawResponse ? this.transferTimeoutMs : this.timeoutMs;
  }

  /** Call any route by its name in the contract's route table; the answer is typed by the route. */
  call<N extends RouteName>(name: N, args: CallArgs<N>, timeoutMs = this.timeoutFor(name), signal?: AbortSignal): Promise<RouteOutput<N>> {
    const transport: Transport = (req) => this.send(req.method, req.path, req.body, req.contentType, timeoutMs, signal);
    return callRoute(transport, name, args);
  }

  /** Like `call`, but a 404 answers null (downloads by name or hash). */
  private async orNull<N extends RouteName>(name: N, args: CallArgs<N>): Promise<RouteOutput<N> | null> {
    try {
      return await this.call(name, args);
    } catch (e) {
      if (e instanceof TitanApiError && e.status === 404) return null;
      throw e;
    }
  }

  // ---- jobs and DAGs ----
  submitJob(spec: JobSpecInput) {
    return this.call('submitJob', { body: spec });
  }
  submitDag(req: SubmitDagRequestInput) {
    return this.call('submitDag', { body: req });
  }
  /** A running job grows its DAG: `jobs` join it, those naming no parent under the job. */
  spawnJobs(id: string, jobs: SubmitDagRequestInput['jobs']) {
    return this.call('spawnJobs', { params: { id }, body: { jobs } });
  }
  getJob(id: string) {
    return this.call('getJob', { params: { id } });
  }
  /** The job once it has ended, or as it is after `waitMs` (held by the control plane, no polling). */
  waitJob(id: string, waitMs = 20_000) {
    return this.call('waitJob', { params: { id }, query: { waitMs } }, waitMs + this.timeoutMs);
  }
  /** The job, or null when the id is unknown. */
  async findJob(id: string) {
    return (await this.orNull('getJob', { params: { id } }))?.job ?? null;
  }
  listJobs(query: CallArgs<'listJobs'>['query'] = {}) {
    return this.call('listJobs', { query });
  }
  cancelJob(id: string) {
    return this.call('cancelJob', { params: { id } });
  }
  retryJob(id: string) {
    return this.call('retryJob', { params: { id } });
  }
  stopService(id: string) {
    return this.call('stopService', { params: { id } });
  }
  /** The DAG's counts once every job of it has ended (`ended`), or as they are after `waitMs`. */
  waitDag(id: string, waitMs = 20_000) {
    return this.call('waitDag', { params: { id }, query: { waitMs } }, waitMs + this.timeoutMs);
  }
  listDags(query: CallArgs<'listDags'>['query'] = {}) {
    return this.call('listDags', { query });
  }
  nameDag(id: string, name: string, onlyIfUnnamed = false) {
    return this.call('nameDag', { params: { id }, body: { name, onlyIfUnnamed } });
  }
  getDag(id: string) {
    return this.call('getDag', { params: { id } });
  }

  // ---- approval gates ----
  /** Approve a job waiting in WAITING_APPROVAL; `by` and `reason` go into its history. */
  approveJob(id: string, decision: z.input<typeof DecisionRequest> = {}) {
    return this.call('approveJob', { params: { id }, body: decision });
  }
  /** Reject a waiting job: final (no retry), its descendants cancelled. */
  rejectJob(id: string, decision: z.input<typeof DecisionRequest> = {}) {
    return this.call('rejectJob', { params: { id }, body: decision });
  }

  // ---- cron schedules ----
  /** Create or replace the schedule `name`. */
  putSchedule(name: string, spec: ScheduleSpecInput) {
    return this.call('putSchedule', { params: { name }, body: spec });
  }
  listSchedules() {
    return this.call('listSchedules', {});
  }
  getSchedule(name: string) {
    return this.call('getSchedule', { params: { name } });
  }
  deleteSchedule(name: string) {
    return this.call('deleteSchedule', { params: { name } });
  }
  pauseSchedule(name: string) {
    return this.call('pauseSchedule', { params: { name } });
  }
  resumeSchedule(name: string) {
    return this.call('resumeSchedule', { params: { name } });
  }
  /** One run of the schedule's DAG now; answers the new DAG's id. */
  runSchedule(name: string) {
    return this.call('runSchedule', { params: { name } });
  }

  // ---- logs ----
  getLogs(id: string, query: CallArgs<'getLogs'>['query'] = {}) {
    return this.call('getLogs', { params: { id }, query });
  }
  appendLogs(id: string, batch: AppendLogsRequest) {
    return this.call('appendLogs', { params: { id }, body: batch });
  }
  /** URL of the SSE live tail (for EventSource-style consumers). */
  followLogsPath(id: string, after = 0) {
    return routePath('followLogs', { id }, { after });
  }

  // ---- agents ----
  registerAgent(req: RegisterAgentRequestInput) {
    return this.call('registerAgent', { body: req });
  }
  /** A long-poll: the timeout is the wait plus the ordinary one; `signal` ends it early (an agent whose slot freed). */
  lease(agentId: string, req: LeaseRequestInput, signal?: AbortSignal) {
    return this.call('lease', { params: { id: agentId }, body: req }, (req.waitMs ?? 25_000) + this.timeoutMs, signal);
  }
  heartbeat(agentId: string, req: HeartbeatRequestInput) {
    return this.call('heartbeat', { params: { id: agentId }, body: req });
  }
  /** Report finished jobs; `max` > 0 also asks for up to that many new leases in the same round trip (`held`: the leases the agent holds). */
  complete(agentId: string, results: z.input<typeof CompleteRequest>['results'], max = 0, held: string[] = []) {
    return this.call('complete', { params: { id: agentId }, body: { results, max, held } });
  }
  deregister(agentId: string) {
    return this.call('deregister', { params: { id: agentId } });
  }
  listAgents() {
    return this.call('listAgents', {});
  }
  stats() {
    return this.call('stats', {});
  }

  // ---- TitanStore (over the store sockets when the client has them: storeSocket.ts) ----
  /** Store calls answered over a store socket and over HTTP, since the client was made. */
  readonly storeCalls = { socket: 0, http: 0 };

  /** The socket's answer; null: take HTTP (no socket open, a message too big, or lost on the way and safe to resend). */
  private async viaSocket<A>(call: StoreCall, pick: (a: StoreAnswer) => A | undefined): Promise<A | null> {
    const answer = this.sockets?.call(call);
    if (!answer) return (this.storeCalls.http++, null);
    try {
      const a = pick(await answer);
      if (a === undefined) throw new TitanUnreachableError(`the store socket answered ${call.op} with something else`);
      this.storeCalls.socket++;
      return a;
    } catch (err) {
      if (!(err instanceof StoreSocketLost)) throw err;
      if (err.resend && (err.untouched || resendableOp(call.op))) return (this.storeCalls.http++, null);
      throw new TitanUnreachableError(`control plane unreachable: ${err.message} (${this.url})`, err);
    }
  }
  async kvGet(key: string): Promise<string | null> {
    const v = await this.viaSocket({ op: 'get', key }, (a) => ('value' in a ? { value: a.value } : undefined));
    return v ? v.value : (await this.call('kvGet', { query: { key } })).value;
  }
  async kvPut(key: string, value: string): Promise<void> {
    if (await this.viaSocket({ op: 'put', key, value }, (a) => ('ok' in a ? true : undefined))) return;
    await this.call('kvPut', { body: { key, value } });
  }
  async kvDelete(key: string): Promise<void> {
    if (await this.viaSocket({ op: 'delete', key }, (a) => ('ok' in a ? true : undefined))) return;
    await this.call('kvDelete', { query: { key } });
  }
  async sadd(key: string, member: string): Promise<0 | 1> {
    const added = await this.viaSocket({ op: 'sadd', key, member }, (a) => ('added' in a ? a.added : undefined));
    return added ?? ((await this.call('sadd', { body: { key, member } })).added as 0 | 1);
  }
  async smembers(key: string): Promise<string[]> {
    const members = await this.viaSocket({ op: 'smembers', key }, (a) => ('members' in a ? a.members : undefined));
    return members ?? (await this.call('smembers', { query: { key } })).members;
  }
  /** How many store shards there are (for the store sockets). */
  describeStoreSocket() {
    return this.call('storeSocket', { query: {} });
  }
  listKeys(prefix = '', limit = 200) {
    return this.call('listKeys', { query: { prefix, limit } });
  }

  // ---- artifacts, scripts, blobs ----
  putArtifact(name: string, bytes: Uint8Array) {
    return this.call('putArtifact', { params: { name }, body: bytes });
  }
  /** Bytes of the artifact, or null when there is none by that name. */
  getArtifact(name: string) {
    return this.orNull('getArtifact', { params: { name } });
  }
  listArtifacts() {
    return this.call('listArtifacts', {});
  }
  putScript(name: string, bytes: Uint8Array) {
    return this.call('putScript', { params: { name }, body: bytes });
  }
  getScript(name: string) {
    return this.orNull('getScript', { params: { name } });
  }
  putBlob(bytes: Uint8Array) {
    return this.call('putBlob', { body: bytes });
  }
  getBlob(hash: string) {
    return this.orNull('getBlob', { params: { hash } });
  }
}

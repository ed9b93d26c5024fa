import { Agent, request, type Dispatcher } from 'undici';
import type { z } from 'zod';
import {
  ROUTES,
  type AgentListResponse,
  type AppendLogsRequest,
  type CompleteRequest,
  type DagListResponse,
  type DagView,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type JobListResponse,
  type JobResponse,
  type JobSpecInput,
  type KeyListResponse,
  type LeaseRequest,
  type LeaseResponse,
  type LogsResponse,
  type RegisterAgentRequest,
  type RegisterAgentResponse,
  type RouteName,
  type StatsResponse,
  type SubmitDagRequest,
} from '../../control-plane/src/contract/index';
import type { Ack } from '../../control-plane/src/contract/agents';
import { ArtifactListResponse } from '../../control-plane/src/contract/stats';

type Out<T extends z.ZodType> = z.output<T>;

/** The control plane answered with an error body. */
export class TitanApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'TitanApiError';
  }
}

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
}

type Query = Record<string, string | number | undefined>;

/** Typed HTTP client for the control plane, shared by the bridge, the agent, the CLI and the tests. */
export class TitanHttpClient {
  readonly url: string;
  private readonly token: string;
  private readonly timeoutMs: number;
  private readonly transferTimeoutMs: number;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;

  constructor(opts: ClientOptions) {
    this.url = opts.url.replace(/\/+$/, '');
    this.token = opts.token;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.transferTimeoutMs = opts.transferTimeoutMs ?? 120_000;
    this.ownsDispatcher = !opts.dispatcher;
    // Long-polls outlive Node's default timeouts; we keep our own per-call timer instead.
    this.dispatcher =
      opts.dispatcher ??
      new Agent({ connections: opts.connections ?? 64, keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0, pipelining: 1 });
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private path(name: RouteName, params: Record<string, string> = {}, query: Query = {}): string {
    let p: string = ROUTES[name].path;
    for (const [k, v] of Object.entries(params)) p = p.replace(`{${k}}`, encodeURIComponent(v));
    const qs = Object.entries(query)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&');
    return qs ? `${p}?${qs}` : p;
  }

  /** One HTTP call; errors become TitanApiError / TitanUnreachableError. */
  async raw(
    method: string,
    path: string,
    body?: string | Uint8Array,
    opts: { contentType?: string; timeoutMs?: number } = {},
  ): Promise<{ status: number; body: Uint8Array; contentType: string }> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
    const signal = AbortSignal.timeout(opts.timeoutMs ?? this.timeoutMs);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(this.url + path, { method: method.toUpperCase() as Dispatcher.HttpMethod, headers, body, dispatcher: this.dispatcher, signal });
    } catch (err) {
      const e = err as Error & { code?: unknown };
      const why = e.name === 'TimeoutError' || e.name === 'AbortError' ? `no answer within ${opts.timeoutMs ?? this.timeoutMs} ms` : `${typeof e.code === 'string' ? e.code : e.name}: ${e.message}`;
      throw new TitanUnreachableError(`control plane unreachable: ${why} (${this.url})`, err);
    }
    let buf: Uint8Array;
    try {
      buf = new Uint8Array(await res.body.arrayBuffer());
    } catch (err) {
      throw new TitanUnreachableError(`control plane unreachable: response interrupted: ${(err as Error).message}`, err);
    }
    const contentType = String(res.headers['content-type'] ?? '');
    if (res.statusCode >= 400) {
      let code = 'http_' + res.statusCode;
      let message = new TextDecoder().decode(buf).slice(0, 500) || `HTTP ${res.statusCode}`;
      try {
        const parsed = JSON.parse(new TextDecoder().decode(buf)) as { error?: { code?: string; message?: string } };
        if (parsed.error) {
          code = parsed.error.code ?? code;
          message = parsed.error.message ?? message;
        }
      } catch {
        /* not JSON: keep the text */
      }
      throw new TitanApiError(res.statusCode, code, message);
    }
    return { status: res.statusCode, body: buf, contentType };
  }

  private async json<T>(method: string, path: string, body?: unknown, timeoutMs?: number): Promise<T> {
    const res = await this.raw(method, path, body === undefined ? undefined : JSON.stringify(body), { timeoutMs });
    return JSON.parse(new TextDecoder().decode(res.body)) as T;
  }

  // ---- jobs and DAGs ----
  submitJob(spec: JobSpecInput) {
    return this.json<Out<typeof JobResponse>>('post', this.path('submitJob'), spec);
  }
  submitDag(req: SubmitDagRequest) {
    return this.json<{ dag: string; jobs: string[] }>('post', this.path('submitDag'), req);
  }
  getJob(id: string) {
    return this.json<Out<typeof JobResponse>>('get', this.path('getJob', { id }));
  }
  /** The job, or null when the id is unknown. */
  async findJob(id: string) {
    try {
      return (await this.getJob(id)).job;
    } catch (e) {
      if (e instanceof TitanApiError && e.status === 404) return null;
      throw e;
    }
  }
  listJobs(query: { state?: string; dag?: string; limit?: number } = {}) {
    return this.json<Out<typeof JobListResponse>>('get', this.path('listJobs', {}, query));
  }
  cancelJob(id: string) {
    return this.json<Out<typeof JobResponse>>('post', this.path('cancelJob', { id }));
  }
  retryJob(id: string) {
    return this.json<Out<typeof JobResponse>>('post', this.path('retryJob', { id }));
  }
  stopService(id: string) {
    return this.json<Out<typeof JobResponse>>('post', this.path('stopService', { id }));
  }
  listDags() {
    return this.json<Out<typeof DagListResponse>>('get', this.path('listDags'));
  }
  nameDag(id: string, name: string, onlyIfUnnamed = false) {
    return this.json<{ ok: true }>('put', this.path('nameDag', { id }), { name, onlyIfUnnamed });
  }
  getDag(id: string) {
    return this.json<Out<typeof DagView>>('get', this.path('getDag', { id }));
  }

  // ---- logs ----
  getLogs(id: string, query: { after?: number; run?: number; limit?: number } = {}) {
    return this.json<Out<typeof LogsResponse>>('get', this.path('getLogs', { id }, query));
  }
  appendLogs(id: string, batch: AppendLogsRequest) {
    return this.json<{ stored: number; lastSeq: number }>('post', this.path('appendLogs', { id }), batch);
  }
  /** URL of the SSE live tail (for EventSource-style consumers). */
  followLogsPath(id: string, after = 0) {
    return this.path('followLogs', { id }, { after });
  }

  // ---- agents ----
  registerAgent(req: RegisterAgentRequest) {
    return this.json<RegisterAgentResponse>('post', this.path('registerAgent'), req);
  }
  lease(agentId: string, req: LeaseRequest) {
    const wait = req.waitMs ?? 25_000;
    return this.json<LeaseResponse>('post', this.path('lease', { id: agentId }), req, wait + this.timeoutMs);
  }
  heartbeat(agentId: string, req: HeartbeatRequest) {
    return this.json<HeartbeatResponse>('post', this.path('heartbeat', { id: agentId }), req);
  }
  complete(agentId: string, results: z.input<typeof CompleteRequest>['results']) {
    return this.json<{ acks: Ack[] }>('post', this.path('complete', { id: agentId }), { results });
  }
  deregister(agentId: string) {
    return this.json<{ ok: true }>('post', this.path('deregister', { id: agentId }));
  }
  listAgents() {
    return this.json<Out<typeof AgentListResponse>>('get', this.path('listAgents'));
  }
  stats() {
    return this.json<StatsResponse>('get', this.path('stats'));
  }

  // ---- TitanStore ----
  async kvGet(key: string): Promise<string | null> {
    return (await this.json<{ value: string | null }>('get', this.path('kvGet', {}, { key }))).value;
  }
  async kvPut(key: string, value: string): Promise<void> {
    await this.json('put', this.path('kvPut'), { key, value });
  }
  async kvDelete(key: string): Promise<void> {
    await this.json('delete', this.path('kvDelete', {}, { key }));
  }
  async sadd(key: string, member: string): Promise<0 | 1> {
    return (await this.json<{ added: 0 | 1 }>('post', this.path('sadd'), { key, member })).added;
  }
  async smembers(key: string): Promise<string[]> {
    return (await this.json<{ members: string[] }>('get', this.path('smembers', {}, { key }))).members;
  }
  listKeys(prefix = '', limit = 200) {
    return this.json<Out<typeof KeyListResponse>>('get', this.path('listKeys', {}, { prefix, limit }));
  }

  // ---- artifacts, scripts, blobs ----
  putArtifact(name: string, bytes: Uint8Array) {
    return this.rawJson<{ name: string; size: number; hash: string }>('put', this.path('putArtifact', { name }), bytes);
  }
  /** Bytes of the artifact, or null when there is none by that name. */
  getArtifact(name: string) {
    return this.bytesOrNull(this.path('getArtifact', { name }));
  }
  listArtifacts() {
    return this.json<Out<typeof ArtifactListResponse>>('get', this.path('listArtifacts'));
  }
  putScript(name: string, bytes: Uint8Array) {
    return this.rawJson<{ name: string; size: number; hash: string }>('put', this.path('putScript', { name }), bytes);
  }
  getScript(name: string) {
    return this.bytesOrNull(this.path('getScript', { name }));
  }
  putBlob(bytes: Uint8Array) {
    return this.rawJson<{ hash: string; size: number }>('put', this.path('putBlob'), bytes);
  }
  getBlob(hash: string) {
    return this.bytesOrNull(this.path('getBlob', { hash }));
  }

  private async rawJson<T>(method: string, path: string, bytes: Uint8Array): Promise<T> {
    const res = await this.raw(method, path, bytes, { contentType: 'application/octet-stream', timeoutMs: this.transferTimeoutMs });
    return JSON.parse(new TextDecoder().decode(res.body)) as T;
  }

  private async bytesOrNull(path: string): Promise<Uint8Array | null> {
    try {
      return (await this.raw('get', path, undefined, { timeoutMs: this.transferTimeoutMs })).body;
    } catch (e) {
      if (e instanceof TitanApiError && e.status === 404) return null;
      throw e;
    }
  }
}

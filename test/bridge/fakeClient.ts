import { TitanApiError, type TitanHttpClient } from '../../sdk/ts/client';
import type { JobSpecInput, StatsResponse } from '../../control-plane/src/contract/index';
import type { BridgeClient } from '../../tcp-bridge/src/handlers/index';

/** In-memory stand-in for the control plane, for unit tests of the handlers and the server. */
export class FakeClient {
  jobs = new Map<string, { id: string; status: string; requirement: string; type: string; logs: string[] }>();
  kv = new Map<string, string>();
  sets = new Map<string, Set<string>>();
  artifacts = new Map<string, Uint8Array>();
  scripts = new Map<string, Uint8Array>();
  dags: { name?: string; jobs: JobSpecInput[] }[] = [];
  calls: string[] = [];
  /** Set to make every call fail this way (e.g. an unreachable control plane). */
  failWith: Error | null = null;
  /** Delay every call by this many ms. */
  delayMs = 0;
  logPageSize = 2;
  private seq = 0;

  private async gate(name: string) {
    this.calls.push(name);
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failWith) throw this.failWith;
  }

  private job(id: string) {
    const j = this.jobs.get(id);
    if (!j) throw new TitanApiError(404, 'not_found', `job ${id} not found`);
    return j;
  }

  private view(j: { id: string; status: string; requirement: string }) {
    return { job: { ...j } };
  }

  async submitJob(spec: JobSpecInput) {
    await this.gate('submitJob');
    if (spec.script && !this.scripts.has(spec.script)) throw new TitanApiError(404, 'not_found', `script ${spec.script} not found`);
    const id = spec.id ?? `job-${++this.seq}`;
    const j = { id, status: 'PENDING', requirement: (spec.requirement ?? 'GENERAL').toUpperCase(), type: spec.type ?? 'RUN_PAYLOAD', logs: [] };
    this.jobs.set(id, j);
    return this.view(j);
  }

  async submitDag(req: { name?: string; jobs: JobSpecInput[] }) {
    await this.gate('submitDag');
    const ids = new Set(req.jobs.map((j) => j.id!));
    for (const j of req.jobs) {
      if (this.jobs.get(j.id!)?.status === 'PENDING') throw new TitanApiError(409, 'conflict', `job ${j.id} is still active`);
      for (const p of j.parents ?? []) {
        if (!ids.has(p) && !this.jobs.has(p)) throw new TitanApiError(400, 'invalid_dag', `job ${j.id}: unknown parent ${p}`);
      }
    }
    // Cycle check (depth-first) among the submitted jobs.
    const parents = new Map(req.jobs.map((j) => [j.id!, (j.parents ?? []).filter((p) => ids.has(p))]));
    const state = new Map<string, number>();
    const visit = (id: string): boolean => {
      if (state.get(id) === 1) return true;
      if (state.get(id) === 2) return false;
      state.set(id, 1);
      const cyclic = parents.get(id)!.some(visit);
      state.set(id, 2);
      return cyclic;
    };
    if ([...ids].some(visit)) throw new TitanApiError(400, 'invalid_dag', 'the DAG has a cycle');
    this.dags.push(req);
    for (const j of req.jobs) this.jobs.set(j.id!, { id: j.id!, status: 'PENDING', requirement: j.requirement ?? 'GENERAL', type: j.type ?? 'RUN_PAYLOAD', logs: [] });
    return { dag: `dag-${this.dags.length}`, jobs: req.jobs.map((j) => j.id!) };
  }

  async getJob(id: string) {
    await this.gate('getJob');
    return this.view(this.job(id));
  }

  async cancelJob(id: string) {
    await this.gate('cancelJob');
    const j = this.job(id);
    j.status = 'CANCELLED';
    return this.view(j);
  }

  async stopService(id: string) {
    await this.gate('stopService');
    const j = this.job(id);
    if (j.type !== 'SERVICE' && j.type !== 'ARCHIVE_SERVICE') throw new TitanApiError(404, 'not_found', `service ${id} not found`);
    j.status = 'CANCELLED';
    return this.view(j);
  }

  async getLogs(id: string, q: { after?: number; run?: number } = {}) {
    await this.gate('getLogs');
    const j = this.job(id);
    const after = q.after ?? 0;
    const slice = j.logs.slice(after, after + this.logPageSize);
    // Lines written as '[system] …' stand for the agent's own notes.
    const lines = slice.map((text, i) => {
      const system = text.startsWith('[system] ');
      return { seq: after + i + 1, ts: 0, stream: system ? ('system' as const) : ('stdout' as const), text: system ? text.slice(9) : text };
    });
    return { jobId: id, run: 1, lines, next: after + slice.length, truncated: false };
  }

  async stats(): Promise<StatsResponse> {
    await this.gate('stats');
    const agent = (id: string, alive: boolean, caps: string[], running: number, jobs: string[]) => ({
      id,
      name: `agent-${id}`,
      capabilities: caps,
      slots: 4,
      running,
      ephemeral: false,
      alive,
      lastSeen: 0,
      registeredAt: 0,
      info: {},
      jobs,
      resources: { cpus: 4, memoryMb: 8192, gpus: [], gpuError: null },
      used: { cpus: 0, memoryMb: 0, gpus: [] },
    });
    return {
      agents: [agent('a1', true, ['GPU', 'GENERAL'], 1, ['DAG-train']), agent('a2', false, ['GENERAL'], 0, []), agent('a3', true, ['GENERAL'], 0, [])],
      activeAgents: 2,
      queueDepth: 3,
      queueByRequirement: { GPU: 2, GENERAL: 1 },
      counts: { PENDING: 3, WAITING_APPROVAL: 0, QUEUED: 0, RUNNING: 1, FAILED: 0, DEAD: 0, COMPLETED: 5, CANCELLED: 0 },
      demand: { at: 0, groups: [], supply: [], backlogged: false, thresholds: { queued: 1, waitMs: 30_000 } },
      services: [{ id: 'DAG-web', agentId: 'a3', node: 'agent-a3', port: 8080, state: 'running', restarts: 0, health: 'unknown', lastExit: null, crashLoop: false }],
    };
  }

  async kvGet(key: string) {
    await this.gate('kvGet');
    return this.kv.get(key) ?? null;
  }
  async kvPut(key: string, value: string) {
    await this.gate('kvPut');
    this.kv.set(key, value);
  }
  async sadd(key: string, member: string): Promise<0 | 1> {
    await this.gate('sadd');
    const s = this.sets.get(key) ?? new Set();
    this.sets.set(key, s);
    if (s.has(member)) return 0;
    s.add(member);
    return 1;
  }
  async smembers(key: string) {
    await this.gate('smembers');
    return [...(this.sets.get(key) ?? [])];
  }
  async putArtifact(name: string, bytes: Uint8Array) {
    await this.gate('putArtifact');
    this.artifacts.set(name, bytes);
    return { name, size: bytes.length, hash: 'h' };
  }
  async getArtifact(name: string) {
    await this.gate('getArtifact');
    return this.artifacts.get(name) ?? null;
  }
  async putScript(name: string, bytes: Uint8Array) {
    await this.gate('putScript');
    this.scripts.set(name, bytes);
    return { name, size: bytes.length, hash: 'h' };
  }

  /** Typed as the real client for `startBridge`, which only calls the methods above. */
  asClient(): TitanHttpClient & BridgeClient {
    return this as unknown as TitanHttpClient;
  }
}

import { isService, userStatus, type HistoryEntry, type JobState, type JobType, type JobView } from '../contract/jobs';
import type { LeasedJob } from '../contract/agents';

/** The part of a job kept as JSON: what the agent needs to run it, fixed for a run. */
export interface StoredSpec {
  file: string;
  payloadHash: string | null;
  script: string | null;
  archive: string | null;
  args: string[];
  delayMs: number;
  parents: string[];
  affinity: boolean;
  timeoutMs: number | null;
  port: number;
  env: Record<string, string>;
}

export interface JobRow {
  id: string;
  run: number;
  dag: string | null;
  type: JobType;
  spec: string;
  requirement: string;
  priority: number;
  seq: number;
  state: JobState;
  ready_at: number | null;
  attempts: number;
  max_retries: number;
  lease_id: string | null;
  agent_id: string | null;
  lease_expires: number | null;
  last_agent: string | null;
  node: string | null;
  affinity_agent: string | null;
  order_action: 'cancel' | 'stop' | null;
  exit_code: number | null;
  error: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  service_state: string | null;
  restarts: number;
  [k: string]: SqlStorageValue;
}

export function toView(row: JobRow, history?: HistoryEntry[]): JobView {
  const s = JSON.parse(row.spec) as StoredSpec;
  return {
    id: row.id,
    run: row.run,
    dag: row.dag,
    type: row.type,
    file: s.file,
    archive: s.archive,
    script: s.script,
    payloadHash: s.payloadHash,
    args: s.args,
    requirement: row.requirement,
    priority: row.priority,
    delayMs: s.delayMs,
    parents: s.parents,
    affinity: s.affinity,
    maxRetries: row.max_retries,
    timeoutMs: s.timeoutMs,
    port: s.port,
    state: row.state,
    status: userStatus(row.state),
    attempts: row.attempts,
    agentId: row.agent_id,
    node: row.node,
    exitCode: row.exit_code,
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    readyAt: row.ready_at,
    service: isService(row.type)
      ? { state: (row.service_state ?? 'starting') as 'starting' | 'running' | 'restarting' | 'stopped', restarts: row.restarts }
      : null,
    ...(history ? { history } : {}),
  };
}

export function toLeasedJob(row: JobRow): LeasedJob {
  const s = JSON.parse(row.spec) as StoredSpec;
  return {
    id: row.id,
    run: row.run,
    attempt: row.attempts,
    dag: row.dag,
    type: row.type,
    file: s.file,
    payloadHash: s.payloadHash,
    script: s.script,
    archive: s.archive,
    args: s.args,
    port: s.port,
    timeoutMs: s.timeoutMs,
    env: s.env,
  };
}

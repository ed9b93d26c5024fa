import * as z from 'zod';
import { ErrorBody, Ok } from './common';

export const WhoAmIResponse = z.object({ role: z.enum(['client', 'agent']) });
import {
  AgentListResponse,
  CompleteRequest,
  CompleteResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  LeaseRequest,
  LeaseResponse,
  RegisterAgentRequest,
  RegisterAgentResponse,
} from './agents';
import { DagListResponse, DagView, DagWaitResponse, DecisionRequest, JobListResponse, JobResponse, ListDagsQuery, NameDagRequest, ListJobsQuery, SubmitDagRequest, SubmitDagResponse, SubmitJobRequest, WaitJobQuery } from './jobs';
import { AppendLogsRequest, AppendLogsResponse, FollowLogsQuery, LogsQuery, LogsResponse } from './logs';
import { KeyListQuery, KeyListResponse, KeyQuery, KvGetResponse, KvPutRequest, SAddRequest, SAddResponse, SMembersResponse, StoreSocketInfo, StoreSocketQuery } from './store';
import { DemandResponse } from './resources';
import { RunScheduleResponse, ScheduleListResponse, ScheduleResponse, ScheduleSpec } from './schedules';
import { ArtifactListResponse, ArtifactPutResponse, BlobPutResponse, StatsResponse } from './stats';

/** Who may call a route: `client` tokens (SDK, bridge, CLI, dashboard), `agent` tokens, either, or anyone. */
export type Role = 'client' | 'agent' | 'any' | 'none';

export interface RouteDef {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  role: Role;
  summary: string;
  body?: z.ZodType;
  /** Query parameters, validated like bodies. */
  query?: z.ZodObject;
  /** Raw (binary) request body instead of JSON. */
  rawBody?: boolean;
  response?: z.ZodType;
  rawResponse?: string;
  /** The success status when it is not 200 (a submission answers 201 Created). */
  status?: 201;
}

/** Every route of the HTTP API, once: the routers, the OpenAPI document and the clients follow this table. */
export const ROUTES = {
  health: { method: 'get', path: '/v1/health', role: 'none', summary: 'Liveness', response: Ok },
  openapi: { method: 'get', path: '/v1/openapi.json', role: 'none', summary: 'This API as OpenAPI 3.1' },
  whoami: { method: 'get', path: '/v1/whoami', role: 'any', summary: 'Which kind of token this is (client or agent)', response: WhoAmIResponse },

  submitJob: { method: 'post', path: '/v1/jobs', role: 'client', summary: 'Submit one job', body: SubmitJobRequest, response: JobResponse, status: 201 },
  listJobs: { method: 'get', path: '/v1/jobs', role: 'any', summary: 'List jobs, newest first', query: ListJobsQuery, response: JobListResponse },
  getJob: { method: 'get', path: '/v1/jobs/{id}', role: 'any', summary: 'A job with its history', response: JobResponse },
  waitJob: { method: 'get', path: '/v1/jobs/{id}/wait', role: 'any', summary: 'Hold until the job has ended (COMPLETED, FAILED for good, CANCELLED) or waitMs passes; answers with the job either way', query: WaitJobQuery, response: JobResponse },
  cancelJob: { method: 'post', path: '/v1/jobs/{id}/cancel', role: 'client', summary: 'Cancel a queued or running job (and its descendants)', response: JobResponse },
  retryJob: { method: 'post', path: '/v1/jobs/{id}/retry', role: 'client', summary: 'Start a new run of an ended job, and of the descendants its failure cancelled', response: JobResponse },
  approveJob: { method: 'post', path: '/v1/jobs/{id}/approve', role: 'client', summary: 'Approve a job waiting for approval: it runs (a GATE completes)', body: DecisionRequest, response: JobResponse },
  rejectJob: { method: 'post', path: '/v1/jobs/{id}/reject', role: 'client', summary: 'Reject a job waiting for approval: it ends FAILED for good and its descendants are cancelled', body: DecisionRequest, response: JobResponse },
  stopService: { method: 'post', path: '/v1/jobs/{id}/stop', role: 'client', summary: 'Stop a running service', response: JobResponse },
  getLogs: { method: 'get', path: '/v1/jobs/{id}/logs', role: 'any', summary: 'Log history of a run (the newest by default)', query: LogsQuery, response: LogsResponse },
  followLogs: { method: 'get', path: '/v1/jobs/{id}/logs/stream', role: 'any', summary: 'Live log tail as server-sent events', query: FollowLogsQuery, rawResponse: 'text/event-stream' },
  appendLogs: { method: 'post', path: '/v1/jobs/{id}/logs', role: 'agent', summary: 'Append a batch of log lines', body: AppendLogsRequest, response: AppendLogsResponse },

  spawnJobs: { method: 'post', path: '/v1/jobs/{id}/spawn', role: 'client', summary: "A running job grows its DAG: the jobs join it (those naming no parent hang under the job); limits per DAG on depth and size", body: SubmitDagRequest, response: SubmitDagResponse, status: 201 },
  submitDag: { method: 'post', path: '/v1/dags', role: 'client', summary: 'Submit a DAG atomically', body: SubmitDagRequest, response: SubmitDagResponse, status: 201 },
  listDags: { method: 'get', path: '/v1/dags', role: 'any', summary: 'Recent DAG runs', query: ListDagsQuery, response: DagListResponse },
  getDag: { method: 'get', path: '/v1/dags/{id}', role: 'any', summary: 'A DAG with its jobs and edges', response: DagView },
  waitDag: { method: 'get', path: '/v1/dags/{id}/wait', role: 'any', summary: 'Hold until every job of the DAG has ended or waitMs passes; answers with its counts either way', query: WaitJobQuery, response: DagWaitResponse },
  cancelDag: { method: 'post', path: '/v1/dags/{id}/cancel', role: 'client', summary: 'Cancel every job of a DAG that has not ended', response: DagView },
  retryDag: { method: 'post', path: '/v1/dags/{id}/retry', role: 'client', summary: 'Retry the failed part of a DAG: each job that failed or was cancelled while its parents completed, with the descendants its failure cancelled', response: DagView },
  nameDag: { method: 'put', path: '/v1/dags/{id}/name', role: 'client', summary: 'Name a DAG (the SDK sends names after submitting)', body: NameDagRequest, response: Ok },

  putSchedule: { method: 'put', path: '/v1/schedules/{name}', role: 'client', summary: 'Create or replace a cron schedule: each tick submits its DAG', body: ScheduleSpec, response: ScheduleResponse },
  listSchedules: { method: 'get', path: '/v1/schedules', role: 'any', summary: 'Schedules with their next tick and last run', response: ScheduleListResponse },
  getSchedule: { method: 'get', path: '/v1/schedules/{name}', role: 'any', summary: 'One schedule', response: ScheduleResponse },
  deleteSchedule: { method: 'delete', path: '/v1/schedules/{name}', role: 'client', summary: 'Delete a schedule (its runs so far stay)', response: Ok },
  pauseSchedule: { method: 'post', path: '/v1/schedules/{name}/pause', role: 'client', summary: 'Pause a schedule: no tick until resumed', response: ScheduleResponse },
  resumeSchedule: { method: 'post', path: '/v1/schedules/{name}/resume', role: 'client', summary: 'Resume a schedule from its next tick (ticks while paused are not made up)', response: ScheduleResponse },
  runSchedule: { method: 'post', path: '/v1/schedules/{name}/run', role: 'client', summary: "Run a schedule's DAG now, outside its timetable", response: RunScheduleResponse },

  registerAgent: { method: 'post', path: '/v1/agents/register', role: 'agent', summary: 'Register an agent', body: RegisterAgentRequest, response: RegisterAgentResponse },
  lease: { method: 'post', path: '/v1/agents/{id}/lease', role: 'agent', summary: 'Long-poll for jobs (and report finished ones)', body: LeaseRequest, response: LeaseResponse },
  heartbeat: { method: 'post', path: '/v1/agents/{id}/heartbeat', role: 'agent', summary: 'Extend leases, receive orders', body: HeartbeatRequest, response: HeartbeatResponse },
  complete: { method: 'post', path: '/v1/agents/{id}/complete', role: 'agent', summary: 'Report finished jobs', body: CompleteRequest, response: CompleteResponse },
  deregister: { method: 'post', path: '/v1/agents/{id}/deregister', role: 'agent', summary: 'Leave the cluster; held jobs are re-queued', response: Ok },
  listAgents: { method: 'get', path: '/v1/agents', role: 'any', summary: 'Agents with capabilities, load, last seen', response: AgentListResponse },
  stats: { method: 'get', path: '/v1/stats', role: 'any', summary: 'Cluster summary', response: StatsResponse },
  demand: { method: 'get', path: '/v1/demand', role: 'any', summary: 'Demand per capability and resource shape, and free capacity (for autoscalers)', response: DemandResponse },

  kvGet: { method: 'get', path: '/v1/store/kv', role: 'any', summary: 'Get a string (null when absent)', query: KeyQuery, response: KvGetResponse },
  kvPut: { method: 'put', path: '/v1/store/kv', role: 'any', summary: 'Set a string', body: KvPutRequest, response: Ok },
  kvDelete: { method: 'delete', path: '/v1/store/kv', role: 'any', summary: 'Delete a key', query: KeyQuery, response: Ok },
  sadd: { method: 'post', path: '/v1/store/sets', role: 'any', summary: 'Add a member to a set', body: SAddRequest, response: SAddResponse },
  smembers: { method: 'get', path: '/v1/store/sets', role: 'any', summary: 'Members of a set', query: KeyQuery, response: SMembersResponse },
  storeSocket: {
    method: 'get',
    path: '/v1/store/socket',
    role: 'any',
    summary: 'The store over a WebSocket: with `Upgrade: websocket` and ?shard=N, a socket to that shard (contract/store.ts StoreSocketRequest); without, how many shards there are',
    query: StoreSocketQuery,
    response: StoreSocketInfo,
  },
  listKeys: { method: 'get', path: '/v1/store/keys', role: 'any', summary: 'Keys by prefix, strings and sets', query: KeyListQuery, response: KeyListResponse },

  putArtifact: { method: 'put', path: '/v1/artifacts/{name}', role: 'any', summary: 'Upload a named artifact (raw body)', rawBody: true, response: ArtifactPutResponse },
  getArtifact: { method: 'get', path: '/v1/artifacts/{name}', role: 'any', summary: 'Download a named artifact', rawResponse: 'application/octet-stream' },
  listArtifacts: { method: 'get', path: '/v1/artifacts', role: 'any', summary: 'Named artifacts', response: ArtifactListResponse },
  putScript: { method: 'put', path: '/v1/scripts/{name}', role: 'client', summary: 'Deploy a script by name (raw body)', rawBody: true, response: ArtifactPutResponse },
  getScript: { method: 'get', path: '/v1/scripts/{name}', role: 'any', summary: 'Download a deployed script', rawResponse: 'application/octet-stream' },
  putBlob: { method: 'put', path: '/v1/blobs', role: 'any', summary: 'Upload content-addressed bytes (raw body)', rawBody: true, response: BlobPutResponse },
  getBlob: { method: 'get', path: '/v1/blobs/{hash}', role: 'any', summary: 'Download bytes by SHA-256', rawResponse: 'application/octet-stream' },
} as const satisfies Record<string, RouteDef>;

export type RouteName = keyof typeof ROUTES;
export { ErrorBody };

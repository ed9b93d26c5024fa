import * as z from 'zod';
import { isBase64, JobId, LIMITS, SafeName, SafeRelativePath, Sha256, Tag } from './common';
import { Assignment, ResourceAsk } from './resources';

/** GATE: no code; it waits for approval and completes when approved (the original SDK's hitl gate, natively). */
export const JobType = z.enum(['RUN_PAYLOAD', 'RUN_ARCHIVE', 'SERVICE', 'ARCHIVE_SERVICE', 'GATE']);
export type JobType = z.output<typeof JobType>;

/**
 * Scheduler states. FAILED is an attempt that failed with retries left (it is re-queued
 * after a backoff); DEAD is the final failure (a rejected approval too). WAITING_APPROVAL: its
 * parents are done and it waits for a human, holding no agent slot.
 */
export const JobState = z.enum(['PENDING', 'WAITING_APPROVAL', 'QUEUED', 'RUNNING', 'FAILED', 'DEAD', 'COMPLETED', 'CANCELLED']);
export type JobState = z.output<typeof JobState>;

/** What users poll (bridge, SDKs, CLI, dashboard): the original SDK's vocabulary. */
export const UserStatus = z.enum(['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'WAITING_APPROVAL']);
export type UserStatus = z.output<typeof UserStatus>;

/**
 * The one mapping from scheduler state to what a user sees. A retrying job reads PENDING;
 * the final failure reads FAILED, because the SDK's and Dagster's wait loops stop on it.
 */
export function userStatus(state: JobState): UserStatus {
  switch (state) {
    case 'PENDING':
    case 'QUEUED':
    case 'FAILED':
      return 'PENDING';
    case 'WAITING_APPROVAL':
      return 'WAITING_APPROVAL';
    case 'RUNNING':
      return 'RUNNING';
    case 'COMPLETED':
      return 'COMPLETED';
    case 'DEAD':
      return 'FAILED';
    case 'CANCELLED':
      return 'CANCELLED';
  }
}

/**
 * What GET_JOB_STATUS answers over TITAN_PROTO. A GATE waiting for approval reads RUNNING there:
 * the original SDK's gate was a running script, and its wait loops were written against that.
 */
export function protoStatus(job: { status: UserStatus; type: JobType }): UserStatus {
  return job.status === 'WAITING_APPROVAL' && job.type === 'GATE' ? 'RUNNING' : job.status;
}

/** TITAN_PROTO's SUBMIT_DAG stores jobs as `DAG-<id>`; everywhere a user names a job, either spelling works. */
export const DAG_PREFIX = 'DAG-';

/** The id SUBMIT_DAG stores for a job: `DAG-<id>` unless it already has the prefix. */
export function dagId(id: string): string {
  return id.startsWith(DAG_PREFIX) ? id : DAG_PREFIX + id;
}

/** The other spelling of a job id: with the `DAG-` prefix dropped, or added. */
export function otherIdForm(id: string): string {
  return id.startsWith(DAG_PREFIX) ? id.slice(DAG_PREFIX.length) : DAG_PREFIX + id;
}

/** Scheduler states in which a run has ended for good (a new run may still be started). */
export const TERMINAL_STATES: readonly JobState[] = ['COMPLETED', 'DEAD', 'CANCELLED'];
export const isTerminal = (s: JobState) => TERMINAL_STATES.includes(s);
/** User statuses after which a job changes no more (until a retry): where wait loops stop. */
export const FINAL_STATUSES: readonly UserStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED'];
export const isFinalStatus = (s: string) => (FINAL_STATUSES as readonly string[]).includes(s);
export const isService = (t: JobType) => t === 'SERVICE' || t === 'ARCHIVE_SERVICE';
export const isGate = (t: JobType) => t === 'GATE';
export const isArchive = (t: JobType) => t === 'RUN_ARCHIVE' || t === 'ARCHIVE_SERVICE';

/** What an approval asks, and how long it may wait before it times out as rejected (null: forever). */
export const Approval = z.object({
  message: z.string().min(1).max(2000),
  timeoutMs: z.number().int().min(1).max(30 * 24 * 3600 * 1000).nullable().default(null),
});
export type Approval = z.output<typeof Approval>;

/**
 * A service's health check, probed by its agent while it runs: an HTTP GET of `http` on
 * 127.0.0.1:port answering 2xx, or (http null) a TCP connect to the port. `failures` checks
 * failed in a row make it unhealthy: the agent restarts it.
 */
export const HealthCheck = z.object({
  http: z.string().regex(/^\/[\x21-\x7e]*$/, 'a path starting with /').max(500).nullable().default(null),
  intervalMs: z.number().int().min(200).max(3600_000).default(10_000),
  timeoutMs: z.number().int().min(50).max(600_000).default(2000),
  failures: z.number().int().min(1).max(100).default(3),
});
export type HealthCheck = z.output<typeof HealthCheck>;
export const ServiceHealth = z.enum(['unknown', 'healthy', 'unhealthy']);
export type ServiceHealth = z.output<typeof ServiceHealth>;

/** Approve or reject a waiting job: `by` names who decided (a person, a bot), `reason` why. */
export const DecisionRequest = z.object({ by: z.string().min(1).max(100).optional(), reason: z.string().max(2000).optional() });

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/);

/**
 * The fields a job is submitted with and keeps for a run, each declared once: the submission
 * (JobSpec), the stored job (StoredJob), what users read (JobView) and what an agent runs
 * (LeasedJob) are all cut from this object.
 */
export const JobFields = z.object({
  type: JobType.default('RUN_PAYLOAD'),
  file: SafeRelativePath,
  args: z.array(z.string().max(LIMITS.maxArgLength)).max(LIMITS.maxArgs).default([]),
  requirement: Tag.default('GENERAL'),
  priority: z.number().int().min(-1_000_000).max(1_000_000).default(1),
  delayMs: z.number().int().min(0).max(30 * 24 * 3600 * 1000).default(0),
  parents: z.array(JobId).max(LIMITS.maxParents).default([]),
  affinity: z.boolean().default(false),
  /**
   * Run where this job ran (or runs), even one outside this DAG: on its agent, else on an agent of the
   * same host (core/affinity). Dagster steps use it to follow their upstream asset's job. Null: none.
   */
  affinityTo: JobId.nullable().default(null),
  maxRetries: z.number().int().min(0).max(LIMITS.maxRetries).default(3),
  timeoutMs: z.number().int().min(1).max(7 * 24 * 3600 * 1000).nullable().default(null),
  port: z.number().int().min(0).max(65535).default(0),
  env: z
    .record(EnvName, z.string().max(LIMITS.maxEnvValueLength))
    .refine((e) => Object.keys(e).length <= LIMITS.maxEnvVars, `at most ${LIMITS.maxEnvVars} env vars`)
    .default({}),
  ...ResourceAsk.shape,
  /** A human must approve before it runs (a GATE job completes when approved); null: no approval. */
  approval: Approval.nullable().default(null),
  /** A service's health check (it needs a port); null: running means its port answers. */
  health: HealthCheck.nullable().default(null),
});

/** Where a job's code comes from; a submission names exactly one (see JobSpec). */
const CodeSource = { payloadHash: Sha256, script: SafeName, archive: SafeName };

/**
 * A job as submitted. Where the code comes from, exactly one of:
 * - `payloadB64`: the script inline (stored by content hash at submit),
 * - `payloadHash`: a blob uploaded before (`PUT /v1/blobs`),
 * - `script`: a deployed script by name (`PUT /v1/scripts/:name`),
 * - `archive`: an uploaded project zip; `file` is then the entry path inside it.
 */
export const JobSpec = JobFields.extend({
  id: JobId.optional(),
  payloadB64: z.string().max(Math.ceil((LIMITS.maxInlinePayloadBytes * 4) / 3) + 4).optional(),
  payloadHash: CodeSource.payloadHash.optional(),
  script: CodeSource.script.optional(),
  archive: CodeSource.archive.optional(),
}).superRefine((j, ctx) => {
  if (j.health && !(isService(j.type) && j.port > 0)) {
    ctx.addIssue({ code: 'custom', path: ['health'], message: 'a health check needs a SERVICE or ARCHIVE_SERVICE job with a port' });
  }
  const sources = [j.payloadB64, j.payloadHash, j.script, j.archive].filter((x) => x !== undefined).length;
  if (isGate(j.type)) {
    if (sources !== 0) ctx.addIssue({ code: 'custom', message: 'a GATE job has no code (no payloadB64, payloadHash, script or archive)' });
    if (!j.approval) ctx.addIssue({ code: 'custom', message: 'a GATE job needs an approval (its message)' });
    return;
  }
  if (sources !== 1) {
    ctx.addIssue({ code: 'custom', message: 'exactly one of payloadB64, payloadHash, script, archive is required' });
  }
  if (isArchive(j.type) !== (j.archive !== undefined)) {
    ctx.addIssue({ code: 'custom', message: `${j.type} jobs ${isArchive(j.type) ? 'need' : 'cannot take'} an archive` });
  }
  if (!isArchive(j.type) && j.file.includes('/')) {
    ctx.addIssue({ code: 'custom', message: 'file must be a plain file name for non-archive jobs' });
  }
  if (j.payloadB64 !== undefined && !isBase64(j.payloadB64)) {
    ctx.addIssue({ code: 'custom', message: 'payloadB64 is not valid base64' });
  }
});
export type JobSpecInput = z.input<typeof JobSpec>;
export type JobSpec = z.output<typeof JobSpec>;

/** A job as the scheduler keeps it: id assigned, an inline payload already stored by its hash. */
export const StoredJob = JobFields.extend({
  id: JobId,
  payloadHash: CodeSource.payloadHash.nullable(),
  script: CodeSource.script.nullable(),
  archive: CodeSource.archive.nullable(),
});
export type StoredJobInput = z.input<typeof StoredJob>;
export type StoredJob = z.output<typeof StoredJob>;

export const SubmitJobRequest = JobSpec;
export const SubmitDagRequest = z.object({
  name: z.string().min(1).max(200).optional(),
  jobs: z.array(JobSpec).min(1).max(LIMITS.maxDagJobs),
});
export type SubmitDagRequestInput = z.input<typeof SubmitDagRequest>;
export type SubmitDagRequest = z.output<typeof SubmitDagRequest>;

export const HistoryEntry = z.object({ ts: z.number(), state: JobState, note: z.string().nullable() });
export type HistoryEntry = z.output<typeof HistoryEntry>;

export const ServiceInfo = z.object({
  state: z.enum(['starting', 'running', 'restarting', 'stopped']),
  restarts: z.number().int(),
  health: ServiceHealth,
  /** How its process last ended ("code 1", "SIGKILL", "unhealthy: 3 failed checks"); null: never. */
  lastExit: z.string().nullable(),
  /** It keeps crashing: core/services `isCrashLoop`. */
  crashLoop: z.boolean(),
});
export type ServiceInfo = z.output<typeof ServiceInfo>;

/** Facts of one run of a job, shared by the user's view and the agent's lease. */
export const RunFields = z.object({
  run: z.number().int(),
  dag: z.string().nullable(),
});

/** A job as users read it: the stored fields (env stays private to the agent) plus its run's progress. */
export const JobView = StoredJob.omit({ env: true })
  .extend(RunFields.shape)
  .extend({
    state: JobState,
    status: UserStatus,
    attempts: z.number().int(),
    agentId: z.string().nullable(),
    node: z.string().nullable(),
    exitCode: z.number().int().nullable(),
    error: z.string().nullable(),
    createdAt: z.number(),
    startedAt: z.number().nullable(),
    finishedAt: z.number().nullable(),
    readyAt: z.number().nullable(),
    /** When the run last entered the queue (its parents done, its delay over, or a retry due). */
    queuedAt: z.number().nullable(),
    service: ServiceInfo.nullable(),
    /** What its run holds (or held) on its agent: GPUs, CPUs, memory; null before it first ran. */
    assigned: Assignment.nullable(),
    history: z.array(HistoryEntry).optional(),
  });
export type JobView = z.output<typeof JobView>;

export const JobResponse = z.object({ job: JobView });
/** How long `GET /v1/jobs/{id}/wait` may hold the request before it answers with the job as it is. */
export const WaitJobQuery = z.object({ waitMs: z.coerce.number().int().min(0).max(30_000).default(20_000) });
export const ListJobsQuery = z.object({
  state: JobState.optional(),
  dag: z.string().max(200).optional(),
  /** Jobs whose id, node (agent name) or requirement contains this text (case-insensitive). */
  q: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(2000).default(200),
  /** Skip this many of the matching jobs (newest first), to page through them. */
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export type ListJobsQueryInput = z.input<typeof ListJobsQuery>;
export type ListJobsQuery = z.output<typeof ListJobsQuery>;
export const NameDagRequest = z.object({ name: z.string().min(1).max(200), onlyIfUnnamed: z.boolean().default(false) });
export const ListDagsQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });
/** A page of jobs, newest first, and how many match the filter in all. */
export const JobListResponse = z.object({ jobs: z.array(JobView), total: z.number().int() });
export const SubmitDagResponse = z.object({ dag: z.string(), jobs: z.array(z.string()) });

export const DagView = z.object({
  id: z.string(),
  name: z.string().nullable(),
  createdAt: z.number(),
  jobs: z.array(JobView),
  edges: z.array(z.tuple([z.string(), z.string()])),
});
export type DagView = z.output<typeof DagView>;
/** A DAG run with its jobs counted by state. */
export const DagSummary = z.object({ id: z.string(), name: z.string().nullable(), createdAt: z.number(), counts: z.record(z.string(), z.number()) });
export const DagListResponse = z.object({ dags: z.array(DagSummary) });
/** `GET /v1/dags/{id}/wait`: the DAG's counts, and whether every job of it has ended. */
export const DagWaitResponse = DagSummary.extend({ ended: z.boolean() });
export type DagWaitResponse = z.output<typeof DagWaitResponse>;

import * as z from 'zod';
import { LIMITS, Tag } from './common';
import { RunFields, ServiceHealth, StoredJob } from './jobs';
import { LogLine } from './logs';
import { AgentResources, AgentUsage, Assignment } from './resources';

export const RegisterAgentRequest = z.object({
  name: z.string().min(1).max(200).regex(/^[A-Za-z0-9_.:@-]+$/),
  capabilities: z.array(Tag).max(64).default([]),
  slots: z.number().int().min(1).max(1024).default(4),
  ephemeral: z.boolean().default(false),
  /** What it offers to jobs' resource asks (see contract/resources). */
  resources: AgentResources.prefault({}),
  info: z
    .object({
      host: z.string().max(255).optional(),
      version: z.string().max(64).optional(),
    })
    .default({}),
});
export type RegisterAgentRequestInput = z.input<typeof RegisterAgentRequest>;
export type RegisterAgentRequest = z.output<typeof RegisterAgentRequest>;

export const RegisterAgentResponse = z.object({
  agentId: z.string(),
  capabilities: z.array(z.string()),
  leaseTtlMs: z.number().int(),
  heartbeatMs: z.number().int(),
  requeued: z.array(z.string()),
});
export type RegisterAgentResponse = z.output<typeof RegisterAgentResponse>;

export const JobResultStatus = z.enum(['COMPLETED', 'FAILED', 'CANCELLED', 'STOPPED', 'TIMEOUT']);
export type JobResultStatus = z.output<typeof JobResultStatus>;

/**
 * The last log lines of the run, sent with its result instead of in a request of their own: the
 * control plane stores them (under the same lease check and seq dedupe as POST /v1/jobs/{id}/logs)
 * before it takes the result, so whoever sees the job end sees its whole log.
 */
export const ResultTail = z.object({
  jobId: z.string().min(1).max(LIMITS.maxIdLength),
  run: z.number().int().min(1),
  lines: z.array(LogLine).min(1).max(LIMITS.maxTailLines),
});
export type ResultTail = z.output<typeof ResultTail>;

export const JobResult = z.object({
  leaseId: z.string().min(1).max(100),
  status: JobResultStatus,
  exitCode: z.number().int().nullable().default(null),
  durationMs: z.number().int().nonnegative().default(0),
  error: z.string().max(4000).nullable().default(null),
  tail: ResultTail.optional(),
});
export type JobResultInput = z.input<typeof JobResult>;
export type JobResult = z.output<typeof JobResult>;

export const Ack = z.object({
  leaseId: z.string(),
  accepted: z.boolean(),
  reason: z.string().optional(),
});
export type Ack = z.output<typeof Ack>;

/**
 * Leases the agent still holds (running, or its result unsent): one lost in a cut comes back to it
 * before anything is handed out, so the job it still runs is not leased to it a second time.
 */
const HeldLeases = z.array(z.string().max(100)).max(4096).default([]);

/** Long-poll lease. `complete` lets an agent report finished work in the same round trip. */
export const LeaseRequest = z.object({
  max: z.number().int().min(0).max(LIMITS.maxLeaseBatch).default(1),
  waitMs: z.number().int().min(0).max(LIMITS.maxLeaseWaitMs).default(25_000),
  complete: z.array(JobResult).max(LIMITS.maxLeaseBatch).default([]),
  held: HeldLeases,
});
export type LeaseRequestInput = z.input<typeof LeaseRequest>;
export type LeaseRequest = z.output<typeof LeaseRequest>;

/** What an agent needs to run one attempt: the stored job's runnable fields, its run, env included. */
export const LeasedJob = StoredJob.pick({ id: true, type: true, file: true, payloadHash: true, script: true, archive: true, args: true, port: true, timeoutMs: true, env: true, health: true })
  .extend(RunFields.shape)
  .extend({ attempt: z.number().int(), /** The devices and reservations this attempt holds: the agent pins it to them. */ assigned: Assignment });
export type LeasedJob = z.output<typeof LeasedJob>;

export const Lease = z.object({ leaseId: z.string(), expiresAt: z.number(), job: LeasedJob });
export type Lease = z.output<typeof Lease>;

export const Order = z.object({ leaseId: z.string(), jobId: z.string(), action: z.enum(['cancel', 'stop']) });
export type Order = z.output<typeof Order>;

/**
 * A long-poll answers with new leases, acks for results sent along, and orders (cancel/stop) for
 * leases the agent holds: a held poll is answered at once when such an order is given, so a cancel
 * reaches the agent without waiting for its next heartbeat. `max: 0` polls for orders only.
 */
export const LeaseResponse = z.object({ leases: z.array(Lease), acks: z.array(Ack), orders: z.array(Order).default([]) });
export type LeaseResponse = z.output<typeof LeaseResponse>;

/**
 * Results of finished jobs. `max`: lease up to this many queued jobs in the same round trip (the
 * slots these results free that no held lease poll covers), so a busy agent asks for its next
 * job where it reports the last one, without dropping its held poll. `held` as on a lease poll.
 */
export const CompleteRequest = z.object({
  results: z.array(JobResult).min(1).max(LIMITS.maxLeaseBatch),
  max: z.number().int().min(0).max(LIMITS.maxLeaseBatch).default(0),
  held: HeldLeases,
});
export type CompleteRequestInput = z.input<typeof CompleteRequest>;
export type CompleteRequest = z.output<typeof CompleteRequest>;
export const CompleteResponse = z.object({ acks: z.array(Ack), leases: z.array(Lease).default([]) });
export type CompleteResponse = z.output<typeof CompleteResponse>;

export const ServiceReport = z.object({
  leaseId: z.string(),
  state: z.enum(['starting', 'running', 'restarting']),
  restarts: z.number().int().nonnegative().default(0),
  health: ServiceHealth.default('unknown'),
  lastExit: z.string().max(200).nullable().default(null),
});
export type ServiceReport = z.output<typeof ServiceReport>;

export const HeartbeatRequest = z.object({
  leases: z.array(z.string()).max(4096).default([]),
  services: z.array(ServiceReport).max(4096).default([]),
  /** The GPUs as last read (free memory, devices gone or back, nvidia-smi failing); absent: unchanged. */
  gpus: AgentResources.pick({ gpus: true, gpuError: true }).optional(),
});
export type HeartbeatRequestInput = z.input<typeof HeartbeatRequest>;
export type HeartbeatRequest = z.output<typeof HeartbeatRequest>;


export const HeartbeatResponse = z.object({
  expiresAt: z.number(),
  orders: z.array(Order),
  /** Leases the control plane no longer recognises: the agent must stop that work. */
  lost: z.array(z.string()),
});
export type HeartbeatResponse = z.output<typeof HeartbeatResponse>;

export const AgentView = z.object({
  id: z.string(),
  name: z.string(),
  capabilities: z.array(z.string()),
  slots: z.number().int(),
  running: z.number().int(),
  ephemeral: z.boolean(),
  alive: z.boolean(),
  lastSeen: z.number(),
  registeredAt: z.number(),
  info: z.record(z.string(), z.unknown()),
  jobs: z.array(z.string()),
  /** What it offers (GPUs with their free memory as last read). */
  resources: AgentResources,
  /** What its running jobs hold: each GPU with the job holding it. */
  used: AgentUsage,
});
export type AgentView = z.output<typeof AgentView>;
export const AgentListResponse = z.object({ agents: z.array(AgentView) });

import { z } from 'zod';
import { JobId, LIMITS, Tag } from './common';
import { JobType } from './jobs';

export const GpuInfo = z.object({ model: z.string(), memoryMb: z.number().int().nonnegative() });

export const RegisterAgentRequest = z.object({
  name: z.string().min(1).max(200).regex(/^[A-Za-z0-9_.:@-]+$/),
  capabilities: z.array(Tag).max(64).default([]),
  slots: z.number().int().min(1).max(1024).default(4),
  ephemeral: z.boolean().default(false),
  info: z
    .object({
      host: z.string().max(255).optional(),
      cpus: z.number().int().optional(),
      memoryMb: z.number().int().optional(),
      gpus: z.array(GpuInfo).max(64).optional(),
      version: z.string().max(64).optional(),
    })
    .default({}),
});
export type RegisterAgentRequest = z.input<typeof RegisterAgentRequest>;

export const RegisterAgentResponse = z.object({
  agentId: z.string(),
  capabilities: z.array(z.string()),
  leaseTtlMs: z.number().int(),
  heartbeatMs: z.number().int(),
  requeued: z.array(z.string()),
});
export type RegisterAgentResponse = z.infer<typeof RegisterAgentResponse>;

export const JobResultStatus = z.enum(['COMPLETED', 'FAILED', 'CANCELLED', 'STOPPED', 'TIMEOUT']);
export type JobResultStatus = z.infer<typeof JobResultStatus>;

export const JobResult = z.object({
  leaseId: z.string().min(1).max(100),
  status: JobResultStatus,
  exitCode: z.number().int().nullable().default(null),
  durationMs: z.number().int().nonnegative().default(0),
  error: z.string().max(4000).nullable().default(null),
});
export type JobResult = z.input<typeof JobResult>;

export const Ack = z.object({
  leaseId: z.string(),
  accepted: z.boolean(),
  reason: z.string().optional(),
});
export type Ack = z.infer<typeof Ack>;

/** Long-poll lease. `complete` lets an agent report finished work in the same round trip. */
export const LeaseRequest = z.object({
  max: z.number().int().min(0).max(LIMITS.maxLeaseBatch).default(1),
  waitMs: z.number().int().min(0).max(LIMITS.maxLeaseWaitMs).default(25_000),
  complete: z.array(JobResult).max(LIMITS.maxLeaseBatch).default([]),
});
export type LeaseRequest = z.input<typeof LeaseRequest>;

export const LeasedJob = z.object({
  id: JobId,
  run: z.number().int(),
  attempt: z.number().int(),
  dag: z.string().nullable(),
  type: JobType,
  file: z.string(),
  payloadHash: z.string().nullable(),
  script: z.string().nullable(),
  archive: z.string().nullable(),
  args: z.array(z.string()),
  port: z.number().int(),
  timeoutMs: z.number().int().nullable(),
  env: z.record(z.string(), z.string()),
});
export type LeasedJob = z.infer<typeof LeasedJob>;

export const Lease = z.object({ leaseId: z.string(), expiresAt: z.number(), job: LeasedJob });
export type Lease = z.infer<typeof Lease>;

export const LeaseResponse = z.object({ leases: z.array(Lease), acks: z.array(Ack) });
export type LeaseResponse = z.infer<typeof LeaseResponse>;

export const CompleteRequest = z.object({ results: z.array(JobResult).min(1).max(LIMITS.maxLeaseBatch) });
export const CompleteResponse = z.object({ acks: z.array(Ack) });

export const ServiceReport = z.object({
  leaseId: z.string(),
  state: z.enum(['starting', 'running', 'restarting']),
  restarts: z.number().int().nonnegative().default(0),
});

export const HeartbeatRequest = z.object({
  leases: z.array(z.string()).max(4096).default([]),
  services: z.array(ServiceReport).max(4096).default([]),
});
export type HeartbeatRequest = z.input<typeof HeartbeatRequest>;

export const Order = z.object({ leaseId: z.string(), jobId: z.string(), action: z.enum(['cancel', 'stop']) });
export type Order = z.infer<typeof Order>;

export const HeartbeatResponse = z.object({
  expiresAt: z.number(),
  orders: z.array(Order),
  /** Leases the control plane no longer recognises: the agent must stop that work. */
  lost: z.array(z.string()),
});
export type HeartbeatResponse = z.infer<typeof HeartbeatResponse>;

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
});
export type AgentView = z.infer<typeof AgentView>;
export const AgentListResponse = z.object({ agents: z.array(AgentView) });

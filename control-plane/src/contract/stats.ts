import * as z from 'zod';
import { AgentView } from './agents';
import { JobState, ServiceHealth } from './jobs';
import { DemandResponse } from './resources';

export const StatsResponse = z.object({
  agents: z.array(AgentView),
  activeAgents: z.number().int(),
  queueDepth: z.number().int(),
  queueByRequirement: z.record(z.string(), z.number().int()),
  counts: z.record(JobState, z.number().int()),
  services: z.array(
    z.object({
      id: z.string(), agentId: z.string().nullable(), node: z.string().nullable(), port: z.number().int(), state: z.string(), restarts: z.number().int(),
      health: ServiceHealth, lastExit: z.string().nullable(), crashLoop: z.boolean(),
    }),
  ),
  /** Demand per capability and resource shape, as GET /v1/demand reports it. */
  demand: DemandResponse,
});
export type StatsResponse = z.output<typeof StatsResponse>;

export const BlobPutResponse = z.object({ hash: z.string(), size: z.number().int() });
export const ArtifactPutResponse = z.object({ name: z.string(), size: z.number().int(), hash: z.string() });
export const ArtifactListResponse = z.object({
  artifacts: z.array(z.object({ name: z.string(), size: z.number().int(), uploaded: z.number() })),
});

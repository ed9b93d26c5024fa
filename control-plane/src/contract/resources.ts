import * as z from 'zod';

/**
 * Resources: what a job asks for, what an agent offers, what a running job holds, and the demand
 * the cluster sees. GPUs are whole devices: a job holds its GPUs alone (no fractions).
 */

/** The resource asks of a job, each 0 when not asked (0 reserves nothing; the job still takes a slot). */
export const ResourceAsk = z.object({
  /** Whole GPU devices, pinned to the job (CUDA_VISIBLE_DEVICES). */
  gpus: z.number().int('gpus must be a whole number of devices (fractions are not supported)').min(0).max(64).default(0),
  /** Memory each of its GPUs must have, in MiB. Alone (gpus 0) it means one GPU of that size. */
  gpuMemoryMb: z.number().int().min(0).max(16 * 1024 * 1024).default(0),
  /** Host memory reserved for the job, in MiB. */
  memoryMb: z.number().int().min(0).max(1024 * 1024 * 1024).default(0),
  /** CPU cores reserved for the job (fractions allowed: 0.5 is half a core). */
  cpus: z.number().min(0).max(4096).default(0),
});
export type ResourceAsk = z.output<typeof ResourceAsk>;
export type ResourceAskInput = z.input<typeof ResourceAsk>;

/** One GPU of an agent as nvidia-smi reports it (free memory as last read). */
export const GpuDevice = z.object({
  index: z.number().int().min(0).max(1023),
  uuid: z.string().max(128),
  model: z.string().max(200),
  memoryMb: z.number().int().nonnegative(),
  freeMemoryMb: z.number().int().nonnegative().nullable().default(null),
});
export type GpuDevice = z.output<typeof GpuDevice>;
export type GpuDeviceInput = z.input<typeof GpuDevice>;

/**
 * What an agent offers to reservations. An agent offering 0 CPUs or 0 MiB takes only jobs that
 * ask for none (an ephemeral agent sharing its host with a supervisor does that).
 */
export const AgentResources = z.object({
  cpus: z.number().min(0).max(65536).default(0),
  memoryMb: z.number().int().min(0).default(0),
  gpus: z.array(GpuDevice).max(64).default([]),
  /** Why the GPUs could not be read (nvidia-smi missing, failing, hanging); null when they were, or none are looked for. */
  gpuError: z.string().max(500).nullable().default(null),
});
export type AgentResources = z.output<typeof AgentResources>;
export type AgentResourcesInput = z.input<typeof AgentResources>;

/** What one run of a job holds on its agent while it runs (kept after it ends, to show where it ran). */
export const Assignment = z.object({
  gpus: z.array(z.object({ index: z.number().int(), uuid: z.string() })),
  cpus: z.number(),
  memoryMb: z.number().int(),
});
export type Assignment = z.output<typeof Assignment>;

/** What an agent's running jobs hold right now. */
export const AgentUsage = z.object({
  cpus: z.number(),
  memoryMb: z.number().int(),
  gpus: z.array(z.object({ index: z.number().int(), jobId: z.string() })),
});
export type AgentUsage = z.output<typeof AgentUsage>;

/** Queued and running jobs of one capability and resource shape. */
export const DemandGroup = ResourceAsk.required().extend({
  requirement: z.string(),
  queued: z.number().int(),
  running: z.number().int(),
  /** How long the oldest queued job of the group has waited; 0 with none queued. */
  oldestWaitMs: z.number().int(),
  /** Whether any live agent could ever hold such a job (capability and total resources). */
  placeable: z.boolean(),
  /** Queued at or above the threshold with the oldest waiting at least the threshold's time. */
  backlogged: z.boolean(),
});
export type DemandGroup = z.output<typeof DemandGroup>;

/** Live agents offering one capability, and what they have free. */
export const Supply = z.object({
  capability: z.string(),
  agents: z.number().int(),
  slots: z.number().int(),
  freeSlots: z.number().int(),
  gpus: z.number().int(),
  freeGpus: z.number().int(),
});
export type Supply = z.output<typeof Supply>;

export const DemandResponse = z.object({
  at: z.number(),
  groups: z.array(DemandGroup),
  supply: z.array(Supply),
  /** Whether any group is backlogged. */
  backlogged: z.boolean(),
  thresholds: z.object({ queued: z.number().int(), waitMs: z.number().int() }),
});
export type DemandResponse = z.output<typeof DemandResponse>;

/** The body POSTed to DEMAND_WEBHOOK_URL (signed: `x-titan-signature: sha256=<hex HMAC-SHA256 of the body>`). */
export const DemandWebhook = z.object({
  event: z.enum(['demand.high', 'demand.low']),
  at: z.number(),
  group: DemandGroup,
  demand: DemandResponse,
});
export type DemandWebhook = z.output<typeof DemandWebhook>;

/** Whole numbers plain, fractions (0.5 CPUs) to two places at most. */
export const plainNumber = (n: number) => String(Math.round(n * 100) / 100);
/** `1 GPU`, `2 GPUs`, `0.5 CPUs`. */
export const countOf = (n: number, noun: string) => `${plainNumber(n)} ${noun}${n === 1 ? '' : 's'}`;

/**
 * A job's asks in words, for the CLI and the dashboard alike: `2 GPUs ≥40960 MiB, 4 CPUs, 8192 MiB
 * memory`; '' when nothing is asked (GPU memory alone asks for one GPU). `mib` writes memory.
 */
export function askText(ask: ResourceAsk, mib: (n: number) => string = (n) => `${n} MiB`): string {
  const gpus = ask.gpus || (ask.gpuMemoryMb > 0 ? 1 : 0);
  const parts: string[] = [];
  if (gpus) parts.push(`${countOf(gpus, 'GPU')}${ask.gpuMemoryMb ? ` ≥${mib(ask.gpuMemoryMb)}` : ''}`);
  if (ask.cpus) parts.push(countOf(ask.cpus, 'CPU'));
  if (ask.memoryMb) parts.push(`${mib(ask.memoryMb)} memory`);
  return parts.join(', ');
}

/**
 * Resource placement: which of an agent's free GPUs, CPUs and memory a job gets, whether it could
 * ever fit, and which agent holds back for a job that has waited too long. Pure; the scheduler
 * loads capacities and holdings and stores the answer.
 *
 * Rules:
 * - GPUs are whole devices, each held by one job at a time. A job asking `gpuMemoryMb` gets
 *   devices with at least that much memory (total, not free: a device it holds is its alone).
 *   The smallest devices that fit go first, so big cards stay free for jobs that need them.
 * - CPUs and memory are counted, not pinned: the sum held by running jobs never exceeds what the
 *   agent offers. An ask of 0 reserves nothing.
 * - No head-of-line blocking: a job that does not fit is skipped and smaller ones behind it run.
 *   Against starvation, a job that has waited `reserveAfterMs` reserves ONE agent (the one that
 *   lacks the least to hold it): there, jobs ranked after it may not take the kind of resource it
 *   is short of until it fits.
 */
import type { AgentResources, Assignment, ResourceAsk } from '../contract/resources';

export interface Device {
  index: number;
  uuid: string;
  memoryMb: number;
}

/** What an agent has free right now (or in total, before any job holds anything). */
export interface Free {
  cpus: number;
  memoryMb: number;
  gpus: Device[];
}

/** What one running job holds, as stored with it. */
export type Holding = Assignment;

/** A run that holds nothing (it asked for no resources): shared, never to be changed. */
export const NO_ASSIGNMENT: Assignment = Object.freeze({ gpus: [], cpus: 0, memoryMb: 0 }) as Assignment;

const EPS = 1e-9;
const round = (n: number) => Math.round(n * 1e6) / 1e6;

/** `gpuMemoryMb` alone asks for one GPU of that size. */
export function effectiveAsk(ask: ResourceAsk): ResourceAsk {
  return ask.gpus === 0 && ask.gpuMemoryMb > 0 ? { ...ask, gpus: 1 } : ask;
}

export const asksNothing = (ask: ResourceAsk) => ask.gpus === 0 && ask.gpuMemoryMb === 0 && ask.cpus === 0 && ask.memoryMb === 0;

/**
 * What an agent offers. Its GPUs count only while the last reading worked (`usable`): while
 * nvidia-smi fails nothing is placed on them, though they still say what the agent can ever hold.
 */
export function totalOf(r: Pick<AgentResources, 'cpus' | 'memoryMb' | 'gpus' | 'gpuError'>, usable = true): Free {
  const gpus = usable && r.gpuError ? [] : r.gpus;
  return { cpus: r.cpus, memoryMb: r.memoryMb, gpus: gpus.map((g) => ({ index: g.index, uuid: g.uuid, memoryMb: g.memoryMb })) };
}

/** Total less what running jobs hold. A held device that disappeared from the agent stays gone. */
export function freeOf(total: Free, holdings: readonly Holding[]): Free {
  const heldGpus = new Set(holdings.flatMap((h) => h.gpus.map((g) => g.index)));
  return {
    cpus: round(total.cpus - holdings.reduce((s, h) => s + h.cpus, 0)),
    memoryMb: total.memoryMb - holdings.reduce((s, h) => s + h.memoryMb, 0),
    gpus: total.gpus.filter((g) => !heldGpus.has(g.index)),
  };
}

/** What `ask` would hold of `free`, or null when it does not fit. */
export function place(ask: ResourceAsk, free: Free): Assignment | null {
  const a = effectiveAsk(ask);
  if (a.cpus > free.cpus + EPS || a.memoryMb > free.memoryMb) return null;
  let gpus: Device[] = [];
  if (a.gpus > 0) {
    const fitting = free.gpus.filter((g) => g.memoryMb >= a.gpuMemoryMb).sort((x, y) => x.memoryMb - y.memoryMb || x.index - y.index);
    if (fitting.length < a.gpus) return null;
    gpus = fitting.slice(0, a.gpus).sort((x, y) => x.index - y.index);
  }
  return { gpus: gpus.map((g) => ({ index: g.index, uuid: g.uuid })), cpus: a.cpus, memoryMb: a.memoryMb };
}

/** `free` after `held` is taken from it. */
export function without(free: Free, held: Assignment): Free {
  const taken = new Set(held.gpus.map((g) => g.index));
  return { cpus: round(free.cpus - held.cpus), memoryMb: free.memoryMb - held.memoryMb, gpus: free.gpus.filter((g) => !taken.has(g.index)) };
}

/** Necessary conditions for fitting `free`, for the queue query to skip what cannot fit. */
export function boundsOf(free: Free): { gpus: number; gpuMemoryMb: number; cpus: number; memoryMb: number } {
  return { gpus: free.gpus.length, gpuMemoryMb: Math.max(0, ...free.gpus.map((g) => g.memoryMb)), cpus: free.cpus + EPS, memoryMb: free.memoryMb };
}

/** Which kinds of resource `free` lacks for `ask` (all false: it fits). */
export function shortOf(ask: ResourceAsk, free: Free): { gpus: boolean; cpus: boolean; memory: boolean } {
  const a = effectiveAsk(ask);
  return {
    gpus: a.gpus > 0 && free.gpus.filter((g) => g.memoryMb >= a.gpuMemoryMb).length < a.gpus,
    cpus: a.cpus > free.cpus + EPS,
    memory: a.memoryMb > free.memoryMb,
  };
}

/** How far `free` is from holding `ask`: devices missing, then CPUs, then MiB (compared in that order). */
function shortfall(ask: ResourceAsk, free: Free): [number, number, number] {
  const a = effectiveAsk(ask);
  const fitting = free.gpus.filter((g) => g.memoryMb >= a.gpuMemoryMb).length;
  return [Math.max(0, a.gpus - fitting), Math.max(0, a.cpus - free.cpus), Math.max(0, a.memoryMb - free.memoryMb)];
}

export interface FleetAgent {
  id: string;
  total: Free;
  free: Free;
}

/**
 * The agent that holds back for a starving job: of those whose totals could hold it, the one that
 * lacks the least now (ties: the lower id). Null when none could ever hold it.
 */
export function reservationTarget(ask: ResourceAsk, fleet: readonly FleetAgent[]): string | null {
  let best: { id: string; key: [number, number, number] } | null = null;
  for (const a of fleet) {
    if (!place(ask, a.total)) continue;
    const key = shortfall(ask, a.free);
    const order = best ? key[0] - best.key[0] || key[1] - best.key[1] || key[2] - best.key[2] : -1;
    if (!best || order < 0 || (order === 0 && a.id < best.id)) best = { id: a.id, key };
  }
  return best?.id ?? null;
}

/**
 * Why no known agent could ever run `ask`, or null when one could (or none is known yet: the job
 * waits for agents to come). `agents` are every known agent offering the job's capability.
 */
export function unschedulableReason(ask: ResourceAsk, agents: readonly { name: string; total: Free }[]): string | null {
  if (asksNothing(ask) || agents.length === 0) return null;
  if (agents.some((a) => place(ask, a.total))) return null;
  const a = effectiveAsk(ask);
  const parts: string[] = [];
  if (a.gpus > 0) {
    const best = Math.max(0, ...agents.map((x) => x.total.gpus.filter((g) => g.memoryMb >= a.gpuMemoryMb).length));
    const biggest = Math.max(0, ...agents.flatMap((x) => x.total.gpus.map((g) => g.memoryMb)));
    if (a.gpuMemoryMb > biggest) parts.push(`${a.gpuMemoryMb} MiB of GPU memory (the largest GPU has ${biggest} MiB)`);
    else parts.push(`${a.gpus} GPU(s)${a.gpuMemoryMb ? ` of ${a.gpuMemoryMb} MiB` : ''} (an agent has at most ${best})`);
  }
  const cpus = Math.max(0, ...agents.map((x) => x.total.cpus));
  if (a.cpus > cpus) parts.push(`${a.cpus} CPUs (an agent offers at most ${cpus})`);
  const mem = Math.max(0, ...agents.map((x) => x.total.memoryMb));
  if (a.memoryMb > mem) parts.push(`${a.memoryMb} MiB of memory (an agent offers at most ${mem})`);
  if (!parts.length) parts.push('this combination of GPUs, CPUs and memory');
  return `no agent can ever run this job: it asks for ${parts.join(', ')}`;
}

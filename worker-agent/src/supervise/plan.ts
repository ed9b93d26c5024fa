// The supervisor's one decision: how many ephemeral agents to start now. Pure.
import type { DemandGroup, DemandResponse } from '../../../control-plane/src/contract/resources';

export interface ScaleInput {
  demand: DemandResponse;
  /** The capabilities the supervisor's host offers (its children offer the same). */
  hostCapabilities: readonly string[];
  /** Slots of each child. */
  childSlots: number;
  maxEphemeral: number;
  /** Children alive, started or still starting. */
  children: number;
  /** Of those, how many have not said they are ready yet. */
  starting: number;
  /** Since when the backlog has been above 0 without a break, as of the last look; null: it was 0. */
  backloggedSinceMs: number | null;
  /** When the last child started became ready (0: none yet): children just up get their chance first. */
  lastReadyAtMs: number;
  now: number;
  scaleAfterMs: number;
}

export interface ScalePlan {
  /** Queued jobs a child could take. */
  backlog: number;
  /** Their requirements, for the log. */
  requirements: string[];
  /** The mark to keep for the next look. */
  backloggedSinceMs: number | null;
  /** How many children to start now (never negative: children retire themselves when idle). */
  start: number;
}

/** A child offers slots only (no CPUs, memory or GPUs), so it can run a job only when that job asks for none. */
export function childCanTake(group: DemandGroup, hostCapabilities: readonly string[]): boolean {
  const asksNothing = group.gpus === 0 && group.gpuMemoryMb === 0 && group.memoryMb === 0 && group.cpus === 0;
  return asksNothing && hostCapabilities.includes(group.requirement);
}

/**
 * Once the backlog of jobs a child could take has stayed above 0 for `scaleAfterMs` (counted
 * from the last child's readiness too, so new children get to lease before more are started),
 * grow to min(maxEphemeral, children + ceil(backlog / childSlots)). Nothing while a child is
 * still starting: the backlog it is meant for is not gone yet.
 */
export function scalePlan(input: ScaleInput): ScalePlan {
  const groups = input.demand.groups.filter((g) => g.queued > 0 && childCanTake(g, input.hostCapabilities));
  const backlog = groups.reduce((n, g) => n + g.queued, 0);
  const requirements = [...new Set(groups.map((g) => g.requirement))].sort();
  const backloggedSinceMs = backlog > 0 ? (input.backloggedSinceMs ?? input.now) : null;
  const plan = { backlog, requirements, backloggedSinceMs, start: 0 };
  if (backloggedSinceMs === null || input.starting > 0) return plan;
  if (input.now - Math.max(backloggedSinceMs, input.lastReadyAtMs) < input.scaleAfterMs) return plan;
  const want = Math.min(input.maxEphemeral, input.children + Math.ceil(backlog / Math.max(1, input.childSlots)));
  return { ...plan, start: Math.max(0, want - input.children) };
}

/** The lowest child numbers not in use: a retired child's name (and workdir) is taken again. */
export function freeChildNumbers(inUse: ReadonlySet<number>, count: number): number[] {
  const out: number[] = [];
  for (let k = 1; out.length < count; k++) if (!inUse.has(k)) out.push(k);
  return out;
}

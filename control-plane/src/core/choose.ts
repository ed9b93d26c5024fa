/** Which queued jobs an agent gets: a pure choice over candidates already sorted by priority, then age. */
import type { Assignment, ResourceAsk } from '../contract/resources';
import { asksNothing, NO_ASSIGNMENT, place, without, type Free } from './resources';

export interface Candidate {
  id: string;
  requirement: string;
  /** Agent id that should run this job (affinity to a parent's node, or to a named job's), if any. */
  affinityAgent: string | null;
  priority: number;
  seq: number;
  ask: ResourceAsk;
}

/**
 * A starving job this agent holds back for (core/resources): candidates ranked after it may not
 * take the kinds of resource it is short of.
 */
export interface Reservation {
  priority: number;
  seq: number;
  short: { gpus: boolean; cpus: boolean; memory: boolean };
}

const rankedAfter = (c: Candidate, r: Reservation) => c.priority < r.priority || (c.priority === r.priority && c.seq > r.seq);

function blockedBy(c: Candidate, r: Reservation | null): boolean {
  if (!r || !rankedAfter(c, r)) return false;
  return (r.short.gpus && (c.ask.gpus > 0 || c.ask.gpuMemoryMb > 0)) || (r.short.cpus && c.ask.cpus > 0) || (r.short.memory && c.ask.memoryMb > 0);
}

export function chooseJobs(
  candidates: readonly Candidate[],
  agent: { id: string; capabilities: ReadonlySet<string>; free: Free },
  /** Whether a job held for another agent must wait for it (core/affinity `heldAway`). */
  heldAway: (affinityAgent: string, requirement: string) => boolean,
  max: number,
  reservation: Reservation | null = null,
): { candidate: Candidate; assigned: Assignment }[] {
  const out: { candidate: Candidate; assigned: Assignment }[] = [];
  let free = agent.free;
  for (const c of candidates) {
    if (out.length >= max) break;
    if (!agent.capabilities.has(c.requirement)) continue;
    if (c.affinityAgent && c.affinityAgent !== agent.id && heldAway(c.affinityAgent, c.requirement)) continue;
    if (blockedBy(c, reservation)) continue;
    if (asksNothing(c.ask)) {
      out.push({ candidate: c, assigned: NO_ASSIGNMENT }); // the common case: a slot, nothing to count
      continue;
    }
    const assigned = place(c.ask, free);
    if (!assigned) continue; // no head-of-line blocking: smaller jobs behind it still run
    free = without(free, assigned);
    out.push({ candidate: c, assigned });
  }
  return out;
}

const byRank = (a: { priority: number; seq: number }, b: { priority: number; seq: number }) => b.priority - a.priority || a.seq - b.seq;

/** Queue lists, each already ordered, merged into one: higher priority first, then older (lower seq). */
export function mergeByRank<T extends { priority: number; seq: number }>(lists: readonly (readonly T[])[]): T[] {
  return lists.flat().sort(byRank);
}

/**
 * Queue lists each read up to `limit` rows, merged (mergeByRank) and cut where the first list read
 * to its limit ends: past that point a row of that list left unread could outrank what follows.
 * So the result is a prefix of the merge of the whole lists, and choosing from it (greedily, in
 * order) takes what choosing from the whole lists would, as far as it goes. `whole`: nothing was cut.
 */
export function mergeWindow<T extends { priority: number; seq: number }>(lists: readonly (readonly T[])[], limit: number): { queued: T[]; whole: boolean } {
  const merged = mergeByRank(lists);
  const ends = lists.filter((l) => l.length >= limit).map((l) => l[l.length - 1]!);
  if (!ends.length) return { queued: merged, whole: true };
  const horizon = ends.sort(byRank)[0]!;
  return { queued: merged.slice(0, merged.indexOf(horizon) + 1), whole: false };
}

/** An agent's capability tags as stored: upper-case, each once, GENERAL always. */
export function capabilitiesOf(requested: readonly string[]): string[] {
  return [...new Set(['GENERAL', ...requested.map((c) => c.toUpperCase())])];
}

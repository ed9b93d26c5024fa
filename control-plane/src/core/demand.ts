/**
 * Demand as an autoscaler reads it: queued and running jobs per capability and resource shape,
 * how long the oldest has waited, whether any live agent could hold such a job, and what the live
 * agents have free. Plus the webhook's rule: an event when a group becomes backlogged and one
 * when it stops being so. Pure.
 */
import type { DemandGroup, DemandResponse, ResourceAsk, Supply } from '../contract/resources';
import { place, type Free } from './resources';

export interface ShapeCount {
  requirement: string;
  ask: ResourceAsk;
  state: 'QUEUED' | 'RUNNING';
  n: number;
  /** When the oldest of them entered the queue (QUEUED rows). */
  oldest: number | null;
}

export interface AgentSupply {
  capabilities: readonly string[];
  alive: boolean;
  slots: number;
  usedSlots: number;
  total: Free;
  free: Free;
}

export interface Thresholds {
  queued: number;
  waitMs: number;
}

export const groupKey = (g: { requirement: string } & ResourceAsk) => `${g.requirement}|${g.gpus}|${g.gpuMemoryMb}|${g.cpus}|${g.memoryMb}`;

export function demandOf(shapes: readonly ShapeCount[], agents: readonly AgentSupply[], now: number, t: Thresholds): DemandResponse {
  const live = agents.filter((a) => a.alive);
  const groups = new Map<string, DemandGroup>();
  for (const s of shapes) {
    const key = groupKey({ requirement: s.requirement, ...s.ask });
    let g = groups.get(key);
    if (!g) {
      const placeable = live.some((a) => a.capabilities.includes(s.requirement) && place(s.ask, a.total) !== null);
      g = { requirement: s.requirement, ...s.ask, queued: 0, running: 0, oldestWaitMs: 0, placeable, backlogged: false };
      groups.set(key, g);
    }
    if (s.state === 'RUNNING') g.running += s.n;
    else {
      g.queued += s.n;
      if (s.oldest !== null) g.oldestWaitMs = Math.max(g.oldestWaitMs, Math.max(0, now - s.oldest));
    }
  }
  for (const g of groups.values()) g.backlogged = g.queued >= t.queued && g.oldestWaitMs >= t.waitMs;
  const list = [...groups.values()].sort((a, b) => a.requirement.localeCompare(b.requirement) || groupKey(a).localeCompare(groupKey(b)));
  return { at: now, groups: list, supply: supplyOf(live), backlogged: list.some((g) => g.backlogged), thresholds: { queued: t.queued, waitMs: t.waitMs } };
}

function supplyOf(live: readonly AgentSupply[]): Supply[] {
  const byCap = new Map<string, Supply>();
  for (const a of live) {
    for (const cap of a.capabilities) {
      const s = byCap.get(cap) ?? { capability: cap, agents: 0, slots: 0, freeSlots: 0, gpus: 0, freeGpus: 0 };
      s.agents++;
      s.slots += a.slots;
      s.freeSlots += Math.max(0, a.slots - a.usedSlots);
      s.gpus += a.total.gpus.length;
      s.freeGpus += a.free.gpus.length;
      byCap.set(cap, s);
    }
  }
  return [...byCap.values()].sort((a, b) => a.capability.localeCompare(b.capability));
}

export interface DemandEvent {
  event: 'demand.high' | 'demand.low';
  group: DemandGroup;
}

/**
 * Webhook events between the groups that were backlogged (`prev`, by key) and the demand now:
 * high for each group newly backlogged, low for each that no longer is (a group gone entirely
 * reads as empty). Returns the backlogged groups to remember.
 */
export function demandChanges(prev: Readonly<Record<string, DemandGroup>>, now: DemandResponse): { events: DemandEvent[]; next: Record<string, DemandGroup> } {
  const events: DemandEvent[] = [];
  const next: Record<string, DemandGroup> = {};
  const current = new Map(now.groups.map((g) => [groupKey(g), g]));
  for (const [key, g] of current) {
    if (!g.backlogged) continue;
    next[key] = g;
    if (!prev[key]) events.push({ event: 'demand.high', group: g });
  }
  for (const [key, old] of Object.entries(prev)) {
    if (next[key]) continue;
    events.push({ event: 'demand.low', group: current.get(key) ?? { ...old, queued: 0, running: 0, oldestWaitMs: 0, backlogged: false } });
  }
  return { events, next };
}

/** When to look at demand again for the webhook: soon while anything is queued or remembered as backlogged. */
export function nextDemandCheck(now: number, queued: number, remembered: number, t: Thresholds): number | null {
  if (queued === 0 && remembered === 0) return null;
  return now + Math.min(5_000, Math.max(500, Math.floor(t.waitMs / 4)));
}

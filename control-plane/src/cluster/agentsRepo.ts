/** SQL over the ClusterDO's `agents` table, and the row → AgentView mapping. */
import type { AgentView } from '../contract/agents';
import type { AgentResources, AgentUsage, Assignment } from '../contract/resources';

export interface AgentRow {
  id: string;
  name: string;
  caps: string;
  slots: number;
  ephemeral: number;
  info: string;
  registered_at: number;
  last_seen: number;
  online: number;
  resources: string;
  [k: string]: SqlStorageValue;
}

export class AgentsRepo {
  constructor(private readonly sql: SqlStorage) {}

  get(id: string): AgentRow | undefined {
    return this.sql.exec<AgentRow>('SELECT * FROM agents WHERE id = ?', id).toArray()[0];
  }

  idsNamed(name: string): string[] {
    return this.sql.exec<{ id: string }>('SELECT id FROM agents WHERE name = ?', name).toArray().map((r) => r.id);
  }

  all(): AgentRow[] {
    return this.sql.exec<AgentRow>('SELECT * FROM agents ORDER BY registered_at').toArray();
  }

  insert(a: { id: string; name: string; caps: string[]; slots: number; ephemeral: boolean; info: object; resources: AgentResources }, now: number): void {
    this.sql.exec(
      'INSERT INTO agents (id, name, caps, slots, ephemeral, info, registered_at, last_seen, online, resources) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)',
      a.id, a.name, JSON.stringify(a.caps), a.slots, a.ephemeral ? 1 : 0, JSON.stringify(a.info), now, now, JSON.stringify(a.resources),
    );
  }

  /**
   * The GPUs as the agent last read them (devices may come and go; free memory changes). Returns
   * whether the set of devices changed (what placement reads), not only their free memory.
   */
  setGpus(id: string, gpus: Pick<AgentResources, 'gpus' | 'gpuError'>): boolean {
    const row = this.get(id);
    if (!row) return false;
    const before = resourcesOf(row);
    // A failed reading keeps the devices last seen (shown, and what the agent can ever hold); the
    // error alone keeps jobs off them (core/resources totalOf).
    const next = JSON.stringify({ ...before, gpuError: gpus.gpuError, gpus: gpus.gpuError && !gpus.gpus.length ? before.gpus : gpus.gpus });
    if (next !== row.resources) this.sql.exec('UPDATE agents SET resources = ? WHERE id = ?', next, id);
    const usable = (r: Pick<AgentResources, 'gpus' | 'gpuError'>) => JSON.stringify(r.gpuError ? [] : r.gpus.map((g) => [g.index, g.uuid, g.memoryMb]));
    return usable(before) !== usable(gpus);
  }

  touch(id: string, now: number): void {
    this.sql.exec('UPDATE agents SET last_seen = ? WHERE id = ?', now, id);
  }

  setOffline(id: string, now: number): void {
    this.sql.exec('UPDATE agents SET online = 0, last_seen = ? WHERE id = ?', now, id);
  }

  delete(id: string): void {
    this.sql.exec('DELETE FROM agents WHERE id = ?', id);
  }

  /** Ephemeral agents silent since `before` and holding nothing are forgotten (their leases expire on their own). */
  forgetSilentEphemeral(before: number): void {
    this.sql.exec('DELETE FROM agents WHERE ephemeral = 1 AND last_seen < ? AND id NOT IN (SELECT agent_id FROM jobs WHERE agent_id IS NOT NULL)', before);
  }
}

const OFFERS_NOTHING: AgentResources = { cpus: 0, memoryMb: 0, gpus: [], gpuError: null };

/** What an agent offers (validated when it registered); rows of older versions (none stored) offer nothing. */
export function resourcesOf(a: Pick<AgentRow, 'resources'>): AgentResources {
  return { ...OFFERS_NOTHING, ...(JSON.parse(a.resources || '{}') as Partial<AgentResources>) };
}

/** What the leases an agent holds hold, summed, each GPU with its job. */
export function usageOf(held: readonly { jobId: string; assigned: Assignment | null }[]): AgentUsage {
  const used: AgentUsage = { cpus: 0, memoryMb: 0, gpus: [] };
  for (const h of held) {
    if (!h.assigned) continue;
    used.cpus = Math.round((used.cpus + h.assigned.cpus) * 1e6) / 1e6;
    used.memoryMb += h.assigned.memoryMb;
    for (const g of h.assigned.gpus) used.gpus.push({ index: g.index, jobId: h.jobId });
  }
  used.gpus.sort((x, y) => x.index - y.index);
  return used;
}

export function toAgentView(a: AgentRow, held: readonly { jobId: string; assigned: Assignment | null }[], alive: boolean, lastSeen: number): AgentView {
  const jobs = held.map((h) => h.jobId);
  return {
    id: a.id,
    name: a.name,
    capabilities: JSON.parse(a.caps),
    slots: a.slots,
    running: jobs.length,
    ephemeral: a.ephemeral === 1,
    alive,
    lastSeen,
    registeredAt: a.registered_at,
    info: JSON.parse(a.info),
    jobs,
    resources: resourcesOf(a),
    used: usageOf(held),
  };
}

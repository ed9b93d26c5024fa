/** SQL over the ClusterDO's `agents` table, and the row → AgentView mapping. */
import type { AgentView } from '../contract/agents';

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

  insert(a: { id: string; name: string; caps: string[]; slots: number; ephemeral: boolean; info: object }, now: number): void {
    this.sql.exec(
      'INSERT INTO agents (id, name, caps, slots, ephemeral, info, registered_at, last_seen, online) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)',
      a.id, a.name, JSON.stringify(a.caps), a.slots, a.ephemeral ? 1 : 0, JSON.stringify(a.info), now, now,
    );
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

export function toAgentView(a: AgentRow, jobs: string[], alive: boolean, lastSeen: number): AgentView {
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
  };
}

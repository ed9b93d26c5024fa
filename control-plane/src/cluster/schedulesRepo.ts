/** SQL over the ClusterDO's `schedules` table. */
import type { StoredJob } from '../contract/jobs';
import type { ScheduleSpec } from '../contract/schedules';

export interface ScheduleRow {
  name: string;
  spec: string;
  template: string;
  created_at: number;
  next_at: number | null;
  runs: number;
  last_tick_at: number | null;
  last_dag: string | null;
  last_note: string | null;
  [k: string]: SqlStorageValue;
}

/** The spec as kept: the DAG's jobs live in `template`, prepared. */
export type KeptSpec = Omit<ScheduleSpec, 'dag'> & { dagName: string | null };

export const keptSpecOf = (row: ScheduleRow): KeptSpec => JSON.parse(row.spec) as KeptSpec;
export const templateOf = (row: ScheduleRow): StoredJob[] => JSON.parse(row.template) as StoredJob[];

export class SchedulesRepo {
  /**
   * MIN(next_at), kept between writes: the alarm is re-planned after every lease, result and submit,
   * and the table changes only through the writes below (the ClusterDO is single-threaded).
   */
  private nextCache: number | null | undefined;

  constructor(private readonly sql: SqlStorage) {}

  get(name: string): ScheduleRow | undefined {
    return this.sql.exec<ScheduleRow>('SELECT * FROM schedules WHERE name = ?', name).toArray()[0];
  }

  all(): ScheduleRow[] {
    return this.sql.exec<ScheduleRow>('SELECT * FROM schedules ORDER BY name').toArray();
  }

  /** Create, or replace the spec of an existing one (its run count and last run stay). */
  put(name: string, spec: KeptSpec, template: StoredJob[], nextAt: number | null, now: number): void {
    this.nextCache = undefined;
    this.sql.exec(
      `INSERT INTO schedules (name, spec, template, created_at, next_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET spec = excluded.spec, template = excluded.template, next_at = excluded.next_at`,
      name, JSON.stringify(spec), JSON.stringify(template), now, nextAt,
    );
  }

  setSpec(name: string, spec: KeptSpec, nextAt: number | null): void {
    this.nextCache = undefined;
    this.sql.exec('UPDATE schedules SET spec = ?, next_at = ? WHERE name = ?', JSON.stringify(spec), nextAt, name);
  }

  /** After a tick: the next one, and what this one did (a run, or why not). */
  ticked(name: string, nextAt: number | null, tickAt: number, dag: string | null, note: string | null): void {
    this.nextCache = undefined;
    if (dag) this.sql.exec('UPDATE schedules SET next_at = ?, last_tick_at = ?, last_dag = ?, last_note = ?, runs = runs + 1 WHERE name = ?', nextAt, tickAt, dag, note, name);
    else this.sql.exec('UPDATE schedules SET next_at = ?, last_tick_at = ?, last_note = ? WHERE name = ?', nextAt, tickAt, note, name);
  }

  delete(name: string): void {
    this.nextCache = undefined;
    this.sql.exec('DELETE FROM schedules WHERE name = ?', name);
  }

  due(now: number): ScheduleRow[] {
    return this.sql.exec<ScheduleRow>('SELECT * FROM schedules WHERE next_at <= ? ORDER BY next_at', now).toArray();
  }

  nextDue(): number | null {
    if (this.nextCache === undefined) this.nextCache = this.sql.exec<{ t: number | null }>('SELECT MIN(next_at) AS t FROM schedules').one().t;
    return this.nextCache;
  }
}

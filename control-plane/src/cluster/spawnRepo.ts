/** The reads a spawn decision needs (core/spawn): the parents a submission names outside it, and DAG sizes. */
import type { JobState } from '../contract/jobs';
import type { OutsideParent } from '../core/spawn';

export class SpawnRepo {
  constructor(private readonly sql: SqlStorage) {}

  outsideParents(ids: readonly string[]): OutsideParent[] {
    return ids.flatMap((id) =>
      this.sql
        .exec<{ id: string; state: JobState; dag: string | null; spawn_depth: number }>('SELECT id, state, dag, spawn_depth FROM jobs WHERE id = ?', id)
        .toArray()
        .map((r) => ({ id: r.id, state: r.state, dag: r.dag, depth: r.spawn_depth })),
    );
  }

  dagSize(dag: string): number {
    return this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM jobs WHERE dag = ?', dag).one().n;
  }
}

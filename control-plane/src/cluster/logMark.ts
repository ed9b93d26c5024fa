/**
 * The scheduler's side of sharded logs (logs/shard.ts): when this cluster began writing logs to
 * shards, and so whether a job's log may still be partly in the per-job object an older version wrote.
 */
import { mayHaveLegacyLog } from '../logs/shard';
import type { MetaRepo } from './metaRepo';

const SHARDED_SINCE = 'logs_sharded_since';

export class LogMark {
  /** 0 for a cluster that never kept one log object per job. */
  private readonly since: number;

  /**
   * Read once; written on the first start of a version that shards logs: a state dir that already
   * holds jobs gets "now" (their logs are in per-job objects), a new one 0. Every log write passes
   * the ClusterDO first (its lease check), so no shard was written before this mark.
   */
  constructor(
    private readonly sql: SqlStorage,
    meta: MetaRepo,
    now: number,
  ) {
    const mark = meta.get(SHARDED_SINCE);
    if (mark !== null) this.since = Number(mark);
    else {
      this.since = sql.exec('SELECT 1 FROM jobs LIMIT 1').toArray().length > 0 ? now : 0;
      meta.set(SHARDED_SINCE, String(this.since));
    }
  }

  /** Whether this known job was first submitted (its oldest history entry) before the mark. */
  mayHaveLegacyLog(jobId: string): boolean {
    if (this.since === 0) return false;
    return mayHaveLegacyLog(this.sql.exec<{ t: number | null }>('SELECT MIN(ts) AS t FROM history WHERE job_id = ?', jobId).one().t, this.since);
  }
}

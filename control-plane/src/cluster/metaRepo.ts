/** SQL over the ClusterDO's small side tables: `meta` (named values) and `approval_presets`. */
import type { Decision } from '../core/approval';

export class MetaRepo {
  constructor(private readonly sql: SqlStorage) {}

  get(k: string): string | null {
    return this.sql.exec<{ v: string }>('SELECT v FROM meta WHERE k = ?', k).toArray()[0]?.v ?? null;
  }

  set(k: string, v: string): void {
    this.sql.exec('INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)', k, v);
  }

  /** A store-key decision remembered for a gate that was not waiting yet (the original SDK's protocol). */
  presetDecision(jobId: string, decision: Decision, now: number): void {
    this.sql.exec('INSERT OR REPLACE INTO approval_presets (job_id, decision, ts) VALUES (?, ?, ?)', jobId, decision, now);
  }

  clearPreset(jobId: string): void {
    this.sql.exec('DELETE FROM approval_presets WHERE job_id = ?', jobId);
  }

  presetFor(jobId: string): Decision | null {
    return this.sql.exec<{ decision: Decision }>('SELECT decision FROM approval_presets WHERE job_id = ?', jobId).toArray()[0]?.decision ?? null;
  }

  /** Presets kept as long as ended jobs are. */
  sweep(retentionCutoff: number): void {
    this.sql.exec('DELETE FROM approval_presets WHERE ts <= ?', retentionCutoff);
  }
}

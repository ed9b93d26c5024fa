/**
 * Where a job's log lives and when it goes: pure rules for the LogDO shards (docs/architecture.md,
 * "Logs"). Every job's log is in one of LOG_SHARDS objects, picked by a stable hash of its id; a
 * shard sweeps the logs that have been silent for a whole retention period with one alarm.
 */
import type { LogLine } from '../contract/logs';
import { shardOf } from '../contract/shard';

/**
 * Fixed for the life of a deployment: changing it re-maps every job to another shard, and the
 * logs already written would no longer be found. Why 16: every append first passes the one
 * ClusterDO (its lease check), so appends never outrun it (~4,000 calls/s measured locally); 16
 * shards keep each under ~250 appends/s, far below what one object serves, with room for a chatty
 * job (which always lands whole in one shard). More shards only add files and live objects.
 */
export const LOG_SHARDS = 16;

/** Job ids may not hold '/' (contract JobId), so no job's own name is ever a shard's name. */
export const logShardName = (jobId: string, shards = LOG_SHARDS): string => `log-shard/${shardOf(jobId, shards)}`;

/** The object that held a job's log before shards: one per job, named by the job id. */
export const legacyLogName = (jobId: string): string => jobId;

/**
 * May this job have lines in its old per-job object? Only if it was first seen before the
 * cluster began writing to shards (`shardedSince`, 0 for a cluster born sharded).
 */
export function mayHaveLegacyLog(firstSeenAt: number | null, shardedSince: number): boolean {
  return firstSeenAt !== null && firstSeenAt < shardedSince;
}

/** Logs swept per alarm run: a shard stays responsive while a backlog of forgotten logs drains. */
export const SWEEP_BATCH = 500;

/**
 * When the sweep alarm should fire next: at once while a full batch was just swept or R2 chunks
 * wait to be deleted, else when the oldest remaining log has been silent a whole retention
 * period; null when the shard holds no log at all.
 */
export function nextSweepAt(now: number, retentionMs: number, oldestWrite: number | null, sweptFullBatch: boolean, chunksLeft: boolean): number | null {
  if (sweptFullBatch || chunksLeft) return now;
  return oldestWrite === null ? null : Math.max(now, oldestWrite + retentionMs);
}

/** The lines of one run, as read from two places (the old per-job object and the shard), in order. */
export interface RunRead {
  run: number;
  lines: LogLine[];
  next: number;
  truncated: boolean;
}

/**
 * The first `limit` lines of the union, by seq, each once. Each side holds its own first `limit`
 * lines after the same point, so the union's first `limit` are among them.
 */
export function mergeReads(a: RunRead, b: RunRead, after: number, limit: number): RunRead {
  const bySeq = new Map<number, LogLine>();
  for (const l of [...a.lines, ...b.lines]) if (!bySeq.has(l.seq)) bySeq.set(l.seq, l);
  const lines = [...bySeq.values()].sort((x, y) => x.seq - y.seq).slice(0, limit);
  return { run: a.run, lines, next: lines.length ? lines[lines.length - 1]!.seq : after, truncated: a.truncated || b.truncated };
}

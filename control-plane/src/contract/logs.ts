import * as z from 'zod';
import { LIMITS } from './common';

export const LogStream = z.enum(['stdout', 'stderr', 'system']);
export type LogStream = z.output<typeof LogStream>;

/**
 * First seq of an attempt. Lines are keyed by (run, seq) and a batch sent twice is stored once;
 * a retried attempt of the same run may land on another agent that cannot know where the last
 * one stopped, so each attempt numbers its lines from its own range.
 */
export function firstSeq(attempt: number): number {
  return Math.max(0, attempt) * 1_000_000_000;
}

export const LogLine = z.object({
  /** Per-run sequence number set by the agent (see firstSeq); a batch sent twice is stored once. */
  seq: z.number().int().nonnegative(),
  ts: z.number(),
  stream: LogStream,
  text: z.string().max(LIMITS.maxLogLineLength),
});
export type LogLine = z.output<typeof LogLine>;

export const AppendLogsRequest = z.object({
  /** The lease the lines were written under: only its holder may write a job's log. */
  leaseId: z.string().min(1).max(100),
  run: z.number().int().min(1),
  lines: z.array(LogLine).min(1).max(LIMITS.maxLogLinesPerBatch),
});
export type AppendLogsRequest = z.output<typeof AppendLogsRequest>;
export const FollowLogsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  /** A run of the job; the newest when absent. */
  run: z.coerce.number().int().min(1).optional(),
});
export const LogsQuery = FollowLogsQuery.extend({ limit: z.coerce.number().int().min(1).max(50_000).default(10_000) });

export const AppendLogsResponse = z.object({ stored: z.number().int(), lastSeq: z.number().int() });

export const LogsResponse = z.object({
  jobId: z.string(),
  run: z.number().int(),
  lines: z.array(LogLine),
  /** Pass back as `after` to read on from here. */
  next: z.number().int(),
  truncated: z.boolean(),
});
export type LogsResponse = z.output<typeof LogsResponse>;

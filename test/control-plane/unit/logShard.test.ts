import { describe, expect, it } from 'vitest';
import { JobId } from '../../../control-plane/src/contract/common';
import type { LogLine } from '../../../control-plane/src/contract/logs';
import { Followers } from '../../../control-plane/src/logs/followers';
import { LOG_SHARDS, legacyLogName, logShardName, mayHaveLegacyLog, mergeReads, nextSweepAt } from '../../../control-plane/src/logs/shard';

const line = (seq: number, text = `l${seq}`): LogLine => ({ seq, ts: 0, stream: 'stdout', text });

describe('log shard routing', () => {
  it('sends a job to the same shard every time, and only to one of LOG_SHARDS', () => {
    for (const id of ['a', 'job-1', 'dag-x.step', '漢字', 'x'.repeat(200)]) {
      const name = logShardName(id);
      expect(logShardName(id)).toBe(name);
      const i = Number(/^log-shard\/(\d+)$/.exec(name)?.[1]);
      expect(i).toBeGreaterThanOrEqual(0);
      expect(i).toBeLessThan(LOG_SHARDS);
    }
  });
  it('spreads job ids over every shard, none holding much more than its share', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 16_000; i++) counts.set(logShardName(`job-${i}`), (counts.get(logShardName(`job-${i}`)) ?? 0) + 1);
    expect(counts.size).toBe(LOG_SHARDS);
    for (const n of counts.values()) expect(n).toBeLessThan((16_000 / LOG_SHARDS) * 1.2);
  });
  it('names shards so no job id can be one (the old per-job objects are named by the id)', () => {
    for (let i = 0; i < LOG_SHARDS; i++) expect(JobId.safeParse(`log-shard/${i}`).success).toBe(false);
    expect(legacyLogName('job-1')).toBe('job-1');
    expect(JobId.safeParse(legacyLogName('job-1')).success).toBe(true);
  });
  it('keeps its map across versions: a changed hash would lose every stored log (pinned)', () => {
    expect(['job-1', 'a', 'dag-x.step', 'ingest-2026-01-01'].map((id) => logShardName(id))).toEqual(['log-shard/6', 'log-shard/12', 'log-shard/10', 'log-shard/2']);
  });
});

describe('old per-job logs', () => {
  it('may exist only for jobs first seen before the cluster sharded its logs', () => {
    expect(mayHaveLegacyLog(1_000, 2_000)).toBe(true);
    expect(mayHaveLegacyLog(2_000, 2_000)).toBe(false);
    expect(mayHaveLegacyLog(3_000, 2_000)).toBe(false);
    expect(mayHaveLegacyLog(null, 2_000)).toBe(false);
    expect(mayHaveLegacyLog(1_000, 0)).toBe(false); // a cluster born sharded
  });
  it('merge with the shard by seq, each line once, up to the limit', () => {
    const old = { run: 1, lines: [line(1), line(2), line(3)], next: 3, truncated: false };
    const shard = { run: 1, lines: [line(3, 'again'), line(4), line(5)], next: 5, truncated: true };
    const all = mergeReads(old, shard, 0, 10);
    expect(all.lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(all.lines[2]!.text).toBe('l3');
    expect(all).toMatchObject({ run: 1, next: 5, truncated: true });
    expect(mergeReads(old, shard, 0, 2).lines.map((l) => l.seq)).toEqual([1, 2]);
    expect(mergeReads(shard, old, 0, 10).lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5]);
    const none = { run: 2, lines: [], next: 7, truncated: false };
    expect(mergeReads(none, none, 7, 10)).toEqual({ run: 2, lines: [], next: 7, truncated: false });
  });
});

describe('the retention sweep', () => {
  const day = 86_400_000;
  it('wakes when the oldest log has been silent a whole retention period', () => {
    expect(nextSweepAt(100, day, 50, false, false)).toBe(50 + day);
  });
  it('runs again at once while a full batch was swept or R2 chunks wait', () => {
    expect(nextSweepAt(100, day, 50, true, false)).toBe(100);
    expect(nextSweepAt(100, day, null, false, true)).toBe(100);
  });
  it('never wakes in the past, and sleeps when the shard is empty', () => {
    expect(nextSweepAt(10 * day, day, 0, false, false)).toBe(10 * day);
    expect(nextSweepAt(100, day, null, false, false)).toBeNull();
  });
});

describe('live followers of a shard', () => {
  it('get only the lines of the job and run they follow; a job with no follower left is forgotten', () => {
    const f = new Followers();
    const got: Record<string, string[]> = { a1: [], a2: [], b1: [] };
    const follower = (key: string, run: number) => ({ run, write: (s: string) => got[key]!.push(s) });
    const a1 = follower('a1', 1);
    const a2 = follower('a2', 2);
    const b1 = follower('b1', 1);
    f.add('a', a1);
    f.add('a', a2);
    f.add('b', b1);
    f.publish('a', 1, [line(1)]);
    f.publish('b', 1, [line(7)]);
    f.publish('c', 1, [line(9)]);
    expect(got.a1).toEqual([`id: 1\ndata: ${JSON.stringify(line(1))}\n\n`]);
    expect(got.a2).toEqual([]);
    expect(got.b1).toHaveLength(1);
    expect(f.jobs).toBe(2);
    f.remove('a', a1);
    f.remove('a', a2);
    f.remove('b', b1);
    f.remove('b', b1);
    expect(f.jobs).toBe(0);
  });
});

/** Reading a run's older lines back from the R2 chunks they were rolled to (shards and old per-job logs alike). */
import type { LogLine } from '../contract/logs';

/**
 * The lines after `after` in the chunks named by `keys` (in order), at most `limit`. A chunk gone
 * from R2 marks the read truncated rather than failing it.
 */
export async function readChunks(bucket: R2Bucket, keys: readonly string[], after: number, limit: number): Promise<{ lines: LogLine[]; truncated: boolean }> {
  const lines: LogLine[] = [];
  let truncated = false;
  for (const key of keys) {
    if (lines.length >= limit) break;
    const obj = await bucket.get(key);
    if (!obj) {
      truncated = true;
      continue;
    }
    for (const row of (await obj.text()).split('\n')) {
      if (!row) continue;
      const l = JSON.parse(row) as LogLine;
      if (l.seq > after && lines.length < limit) lines.push(l);
    }
  }
  return { lines, truncated };
}

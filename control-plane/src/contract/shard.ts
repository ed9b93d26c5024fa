/**
 * FNV-1a over UTF-8: a stable key → shard map (a set lives whole in one shard, so SADD stays atomic).
 * In the contract because clients of the store socket pick the shard of a key themselves.
 */
export function shardOf(key: string, shards: number): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(key)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % shards;
}

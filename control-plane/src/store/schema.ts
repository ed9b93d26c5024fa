/**
 * The StoreDO's tables. Strings live in a WITHOUT ROWID table keyed by the key: an insert writes one
 * b-tree page instead of two (a rowid table and its key index), so a put's commit is smaller (the
 * bridge's KV_SET about 0.03 ms faster here) and a key is stored once.
 */
export const kvTable = (name = 'kv') => `${name} (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated INTEGER NOT NULL) WITHOUT ROWID`;
/** Sets keep their members' insertion order by rowid (SMEMBERS answers in it), so they keep a rowid table. */
export const SETS_TABLE = 'sets (key TEXT NOT NULL, member TEXT NOT NULL, PRIMARY KEY (key, member))';

/** Whether a shard's `kv` table (its CREATE statement, null when there is none yet) is of the older, rowid form. */
export function kvNeedsRebuild(createSql: string | null): boolean {
  return createSql !== null && !/\bWITHOUT\s+ROWID\b/i.test(createSql);
}

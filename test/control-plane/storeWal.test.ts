/**
 * A store shard in the local runtime starts with a grown WAL (lib/walReserve.ts): its puts then
 * overwrite the WAL instead of growing it, across restarts, with the data and the listing untouched.
 */
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTOCHECKPOINT_PAGES } from '../../control-plane/src/lib/walReserve';
import { startTestPlane, storeShardFiles, type TestPlane } from '../helpers/controlPlane';

let cp: TestPlane;
beforeAll(async () => {
  cp = await startTestPlane();
}, 60_000);
afterAll(async () => {
  await cp?.dispose();
});

/** Sizes of the one shard's database and WAL (a single key touches a single shard). */
function shardFiles() {
  const db = storeShardFiles(cp.stateDir);
  expect(db.length).toBe(1);
  return { db: statSync(db[0]!).size, wal: statSync(`${db[0]}-wal`).size };
}

describe('a store shard WAL reserve', () => {
  it('grows the WAL past the checkpoint at start, then puts overwrite it; a restart rewrites it in place', async () => {
    await cp.client.kvPut('wal-key', 'v0');
    const first = shardFiles();
    expect(first.wal).toBeGreaterThan(AUTOCHECKPOINT_PAGES * 4_096);
    for (let i = 1; i <= 400; i++) await cp.client.kvPut('wal-key', `v${i}`);
    // 400 commits past the reserve: SQLite started the WAL over, so it has not grown.
    expect(shardFiles().wal).toBe(first.wal);

    await cp.restart();
    expect(await cp.client.kvGet('wal-key')).toBe('v400');
    await cp.client.kvPut('wal-key', 'after');
    // Rewritten, not added: the database holds one reserve, whatever the number of starts.
    expect(shardFiles().db).toBe(first.db);
    expect(await cp.client.kvGet('wal-key')).toBe('after');
    // The reserve is not data: the listing shows the store's keys only.
    expect((await cp.client.listKeys()).keys.map((k) => k.key)).toEqual(['wal-key']);
  }, 60_000);
});

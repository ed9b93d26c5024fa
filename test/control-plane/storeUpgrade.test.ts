/**
 * A store written by an older version (strings in a rowid table: test/fixtures/store-rowid holds two
 * of its shards as workerd left them) read by this one: the table is rebuilt WITHOUT ROWID on first
 * use of the shard, every value kept, and the store works on.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalControlPlane, type LocalControlPlane } from '../../cli/local/controlPlane';
import { TitanHttpClient } from '../../sdk/ts/client';
import { storeShardFiles } from '../helpers/controlPlane';

const FIXTURE = resolve(__dirname, '..', 'fixtures', 'store-rowid');
const stateDir = mkdtempSync(join(tmpdir(), 'titan-store-upgrade-'));
let cp: LocalControlPlane | null = null;
afterAll(async () => {
  await cp?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

/** The CREATE statement of `kv` in each shard file (read with Python's sqlite3 while workerd is stopped). */
function kvSchemas(): string[] {
  const files = storeShardFiles(stateDir);
  const py = "import sqlite3,sys\nfor f in sys.argv[1:]:\n    print(sqlite3.connect(f).execute(\"select sql from sqlite_master where name='kv'\").fetchone()[0])";
  return execFileSync('python3', ['-c', py, ...files], { encoding: 'utf8' }).trim().split('\n');
}

describe('a store from before WITHOUT ROWID', () => {
  it('is rebuilt on first use, keeping every value, and works on', async () => {
    mkdirSync(join(stateDir, 'do'), { recursive: true });
    cpSync(FIXTURE, join(stateDir, 'do', 'titan-StoreDO'), { recursive: true });
    expect(kvSchemas().every((sql) => !/WITHOUT ROWID/.test(sql))).toBe(true);
    cp = await startLocalControlPlane({ stateDir, port: 0 });
    const c = new TitanHttpClient({ url: cp.url, token: cp.clientToken });
    try {
      expect(await c.kvGet('rowid-era-key')).toBe('kept across the rebuild ✓');
      expect(await c.smembers('rowid-era-set')).toEqual(['m1']);
      await c.kvPut('rowid-era-key', 'written after');
      expect(await c.sadd('rowid-era-set', 'm2')).toBe(1);
      // Every shard of the fixture was opened by the calls above.
      expect((await c.listKeys('rowid-era')).keys.map((k) => k.key).sort()).toEqual(['rowid-era-key', 'rowid-era-set']);
    } finally {
      await c.close();
    }
    await cp.stop();
    cp = null;
    expect(kvSchemas().every((sql) => /WITHOUT ROWID/.test(sql))).toBe(true);
    cp = await startLocalControlPlane({ stateDir, port: 0 });
    const again = new TitanHttpClient({ url: cp.url, token: cp.clientToken });
    try {
      expect(await again.kvGet('rowid-era-key')).toBe('written after');
      expect(await again.smembers('rowid-era-set')).toEqual(['m1', 'm2']);
    } finally {
      await again.close();
    }
  }, 60_000);
});

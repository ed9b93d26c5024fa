/**
 * A grown WAL for a Durable Object's SQLite file, written once when the object starts.
 *
 * Every commit appends its pages to the WAL and fsyncs it. While the WAL is still growing, each
 * append also allocates blocks and changes the file's size, and the fsync then waits for a
 * filesystem journal commit as well; once SQLite has checkpointed ~1,000 pages it starts the WAL over
 * from its beginning and commits overwrite blocks the file already has. workerd deletes the WAL when
 * it closes the database, so every start of an object begins growing again. Measured here on a store
 * shard: a put 0.45-0.49 ms while growing, 0.31-0.34 ms after; from Python through the bridge 0.15-0.4
 * ms. One commit of this many pages (a checkpoint follows it) moves the object straight to the second
 * state, for 15-40 ms at its start and this many pages kept in the file (rewritten, not added, on later
 * starts). Only where storage is a local SQLite WAL (the local runtime), never on Cloudflare.
 */

/** A page's payload in an overflow chain (4,096-byte pages less the 4-byte next-page pointer). */
const OVERFLOW_PAYLOAD = 4_092;
/** Below the platform's 2 MB row limit with room to spare. */
const MAX_ROW_BYTES = 1_000_000;
/** SQLite checkpoints (and may then start the WAL over) after a commit leaves this many frames. */
export const AUTOCHECKPOINT_PAGES = 1_000;

/** The rows to write for `pages` pages: byte sizes, each under the row limit; none for 0. */
export function walReserveRows(pages: number): number[] {
  if (pages <= 0) return [];
  const bytes = pages * OVERFLOW_PAYLOAD;
  const rows = Math.ceil(bytes / MAX_ROW_BYTES);
  return Array.from({ length: rows }, () => Math.ceil(bytes / rows));
}

const TABLE = '_titan_wal_reserve';

/**
 * Writes the reserve in one commit (this call's, or the caller's implicit transaction). Rows are
 * rewritten in place on later starts, so the file does not grow again; with `pages` 0 the table goes.
 */
export function reserveWal(sql: SqlStorage, pages: number): void {
  const rows = walReserveRows(pages);
  if (rows.length === 0) {
    sql.exec(`DROP TABLE IF EXISTS ${TABLE}`);
    return;
  }
  sql.exec(`CREATE TABLE IF NOT EXISTS ${TABLE} (n INTEGER PRIMARY KEY, pad BLOB NOT NULL)`);
  rows.forEach((bytes, n) => sql.exec(`INSERT INTO ${TABLE} (n, pad) VALUES (?, zeroblob(?)) ON CONFLICT(n) DO UPDATE SET pad = excluded.pad`, n, bytes));
  sql.exec(`DELETE FROM ${TABLE} WHERE n >= ?`, rows.length);
}

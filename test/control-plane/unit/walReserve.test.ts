import { describe, expect, it } from 'vitest';
import { LOCAL_WAL_RESERVE_PAGES } from '../../../cli/local/controlPlane';
import { AUTOCHECKPOINT_PAGES, walReserveRows } from '../../../control-plane/src/lib/walReserve';

describe('walReserveRows', () => {
  it('nothing for 0 pages', () => {
    expect(walReserveRows(0)).toEqual([]);
  });

  it('rows under the 1 MB row limit that fill the pages asked for (4,092 payload bytes each)', () => {
    const rows = walReserveRows(1_100);
    expect(rows.length).toBe(5);
    for (const b of rows) expect(b).toBeLessThanOrEqual(1_000_000);
    expect(rows.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1_100 * 4_092);
  });

  it("the local runtime's reserve is past the autocheckpoint, so SQLite starts the WAL over after it", () => {
    expect(walReserveRows(LOCAL_WAL_RESERVE_PAGES).reduce((a, b) => a + b, 0) / 4_096).toBeGreaterThan(AUTOCHECKPOINT_PAGES);
  });

  it('one small row for a small reserve', () => {
    expect(walReserveRows(3)).toEqual([3 * 4_092]);
  });
});

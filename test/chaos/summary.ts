// Global setup/teardown of the chaos suite: start with an empty table, print it at the end.
import { clearRows, formatTable, readRows } from './report';

export function setup(): void {
  clearRows();
}

export function teardown(): void {
  const rows = readRows();
  if (!rows.length) return;
  console.log(`\nchaos summary (lost and duplicated must be 0)\n${formatTable(rows)}\n`);
}

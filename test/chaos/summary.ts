// Global setup/teardown of the chaos suite: a fresh table for this run, printed at the end.
import fs from 'node:fs';
import { formatTable, readRows, startRun } from './report';

let run = '';

export function setup(): void {
  run = startRun();
}

export function teardown(): void {
  const rows = readRows(run);
  fs.rmSync(run, { recursive: true, force: true });
  if (!rows.length) return;
  console.log(`\nchaos summary (lost and duplicated must be 0)\n${formatTable(rows)}\n`);
}

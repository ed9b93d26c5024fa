import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshWorkspace } from '../../worker-agent/src/runners/job';

const root = mkdtempSync(path.join(tmpdir(), 'titan-ws-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('freshWorkspace', () => {
  it('makes the workspace and its parents when none is there', () => {
    const ws = path.join(root, 'jobs', 'a-1-1');
    freshWorkspace(ws);
    expect(readdirSync(ws)).toEqual([]);
  });

  it('empties a workspace an earlier try of the same attempt left behind', () => {
    const ws = path.join(root, 'jobs', 'b-1-1');
    mkdirSync(path.join(ws, 'out', 'deep'), { recursive: true });
    writeFileSync(path.join(ws, 'job.py'), 'print(1)');
    writeFileSync(path.join(ws, 'out', 'deep', 'result.bin'), 'x');
    freshWorkspace(ws);
    expect(existsSync(ws)).toBe(true);
    expect(readdirSync(ws)).toEqual([]);
  });
});

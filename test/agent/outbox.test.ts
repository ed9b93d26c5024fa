import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TitanApiError, TitanUnreachableError } from '../../sdk/ts/client';
import { Outbox, resultFiles, type LogBatch } from '../../worker-agent/src/outbox';

const batch = (jobId: string, from: number, n = 1): LogBatch => ({
  jobId,
  body: { leaseId: 'l1', run: 1, lines: Array.from({ length: n }, (_, i) => ({ seq: from + i, ts: 0, stream: 'stdout' as const, text: `line ${from + i}`.padEnd(100, '.') })) },
});
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-'));

describe('outbox', () => {
  it('keeps each run in order through a network cut, spilling past the memory limit', async () => {
    const dir = tmp();
    let up = false;
    const got: number[] = [];
    const ob = new Outbox({
      dir,
      memoryLimit: 1000,
      backoff: () => 5,
      send: async (b) => {
        if (!up) throw new TitanUnreachableError('down');
        got.push(...b.body.lines.map((l) => l.seq));
      },
    });
    for (let i = 0; i < 40; i++) ob.push(batch('a', i));
    await new Promise((r) => setTimeout(r, 30));
    expect(ob.pending).toBe(40);
    expect(ob.spilled).toBeGreaterThan(20);
    expect(fs.readdirSync(dir).length).toBe(ob.spilled);
    up = true;
    ob.kick();
    await ob.drained();
    expect(got).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('resends spilled batches left by a previous process, in order', async () => {
    const dir = tmp();
    const first = new Outbox({ dir, memoryLimit: 0, send: () => Promise.reject(new TitanUnreachableError('down')), backoff: () => 60_000 });
    for (let i = 0; i < 5; i++) first.push(batch('a', i));
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.json'))).toHaveLength(5);
    const got: number[] = [];
    const second = new Outbox({ dir, send: async (b) => void got.push(b.body.lines[0].seq) });
    expect(second.pending).toBe(5);
    second.start();
    await second.drained();
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  it('drops a batch the control plane refuses for good, and keeps going', async () => {
    const got: string[] = [];
    const ob = new Outbox({
      dir: tmp(),
      send: async (b) => {
        if (b.jobId === 'gone') throw new TitanApiError(404, 'not_found', 'no such job');
        got.push(b.jobId);
      },
    });
    ob.push(batch('gone', 0));
    ob.push(batch('b', 0));
    await ob.drained();
    expect(got).toEqual(['b']);
  });

  it('waits per run: one slow run does not hold another', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const ob = new Outbox({ dir: tmp(), send: async (b) => (b.jobId === 'slow' ? gate : undefined) });
    ob.push(batch('slow', 0));
    ob.push(batch('fast', 0));
    await ob.drained('fast', 1);
    expect(ob.pending).toBe(1);
    release();
    await ob.drained();
  });

  it('drops a batch refused as stale (409: another lease holds the job)', async () => {
    const ob = new Outbox({ dir: tmp(), send: () => Promise.reject(new TitanApiError(409, 'conflict', 'stale lease')) });
    ob.push(batch('a', 0));
    await ob.drained();
    expect(ob.pending).toBe(0);
  });

  it('close() stops retrying, keeps every unsent batch on disk in order, and lets waiters go', async () => {
    const dir = tmp();
    let sends = 0;
    const first = new Outbox({ dir, send: () => (sends++, Promise.reject(new TitanUnreachableError('down'))), backoff: () => 5 });
    for (let i = 0; i < 3; i++) first.push(batch('a', i));
    const waiting = first.drained('a', 1);
    await new Promise((r) => setTimeout(r, 30));
    expect(first.close()).toBe(3);
    await waiting;
    const after = sends;
    await new Promise((r) => setTimeout(r, 30));
    expect(sends).toBe(after);
    const got: number[] = [];
    const second = new Outbox({ dir, send: async (b) => void got.push(b.body.lines[0].seq) });
    second.start();
    await second.drained();
    expect(got).toEqual([0, 1, 2]);
  });

  it('keeps undelivered results for the next agent on the workdir, once', () => {
    const dir = path.join(tmp(), 'results');
    expect(resultFiles.take(dir)).toEqual([]);
    const r = { leaseId: 'l1', status: 'COMPLETED' as const, exitCode: 0, durationMs: 5, error: null };
    resultFiles.save(dir, [r]);
    resultFiles.save(dir, []);
    expect(resultFiles.take(dir)).toEqual([r]);
    expect(resultFiles.take(dir)).toEqual([]);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { firstSeq } from '../../control-plane/src/contract/logs';
import { LineSplitter } from '../../worker-agent/src/lines';
import { LogShipper, TAIL_MAX_LINES } from '../../worker-agent/src/logShipper';
import { Outbox, type LogBatch } from '../../worker-agent/src/outbox';

describe('line splitting', () => {
  it('keeps partial lines until their newline or the end', () => {
    const s = new LineSplitter();
    expect(s.push('a\nb')).toEqual(['a']);
    expect(s.push('c\r\nd\n\n')).toEqual(['bc', 'd', '']);
    expect(s.push('tail')).toEqual([]);
    expect(s.end()).toEqual(['tail']);
    expect(s.end()).toEqual([]);
  });
  it('cuts very long lines', () => {
    const s = new LineSplitter(4);
    expect(s.push('abcdefghij')).toEqual(['abcd', 'efgh']);
    expect(s.push('\n')).toEqual(['ij']);
    expect(new LineSplitter(4).push('abcdefghij\n')).toEqual(['abcd', 'efgh', 'ij']);
  });
  it('gives each attempt its own seq range', () => {
    expect(firstSeq(2)).toBeGreaterThan(firstSeq(1) + 1e8);
    expect(firstSeq(0)).toBe(0);
  });
});

describe('log shipper', () => {
  it('numbers lines per run in order across streams and batches by size', async () => {
    const sent: LogBatch[] = [];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shipper-'));
    const outbox = new Outbox({ dir, send: async (b) => void sent.push(b) });
    const sh = new LogShipper({ jobId: 'j', leaseId: 'l', run: 1, attempt: 1, outbox, maxBatchBytes: 200, flushMs: 10_000 });
    sh.system('start');
    sh.write('stdout', 'one\ntw');
    sh.write('stderr', 'err\n');
    sh.write('stdout', 'o\n' + 'x'.repeat(300) + '\n');
    await sh.close();
    const lines = sent.flatMap((b) => b.body.lines);
    expect(lines.map((l) => l.text.slice(0, 5))).toEqual(['start', 'one', 'err', 'two', 'xxxxx']);
    expect(lines.map((l) => l.stream)).toEqual(['system', 'stdout', 'stderr', 'stdout', 'stdout']);
    const seqs = lines.map((l) => l.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(sent.length).toBeGreaterThan(1); // the 300-char line pushed past the size limit
  });
});

describe('log tail with the result', () => {
  const shipper = (send: (b: LogBatch) => Promise<void>, extra: { maxBatchBytes?: number } = {}) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shipper-'));
    const outbox = new Outbox({ dir, send });
    return new LogShipper({ jobId: 'j', leaseId: 'l', run: 2, attempt: 1, outbox, flushMs: 10_000, ...extra });
  };

  it('gives back a small log whole, sending nothing of its own', async () => {
    const sent: LogBatch[] = [];
    const sh = shipper(async (b) => void sent.push(b));
    sh.system('started');
    sh.write('stdout', 'ok\npartial');
    const tail = await sh.finish();
    expect(sent).toEqual([]);
    expect(tail).toMatchObject({ jobId: 'j', run: 2 });
    expect(tail!.lines.map((l) => l.text)).toEqual(['started', 'ok', 'partial']);
    expect(await sh.finish()).toBeNull(); // nothing is given twice
  });

  it('waits until the batches before it are acknowledged, and keeps the order', async () => {
    const sent: LogBatch[] = [];
    let ack!: () => void;
    const sh = shipper((b) => new Promise<void>((resolve) => (ack = () => resolve(void sent.push(b)))), { maxBatchBytes: 200 });
    sh.write('stdout', 'x'.repeat(300) + '\n'); // past the size limit: flushed at once
    sh.write('stdout', 'last\n');
    let settled = false;
    const finishing = sh.finish().then((t) => ((settled = true), t));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false); // the first batch is not acknowledged yet
    ack();
    const tail = await finishing;
    expect(sent.flatMap((b) => b.body.lines).map((l) => l.text.slice(0, 3))).toEqual(['xxx']);
    expect(tail!.lines.map((l) => l.text)).toEqual(['last']);
    expect(tail!.lines[0]!.seq).toBeGreaterThan(sent[0]!.body.lines[0]!.seq);
  });

  it('sends a long tail the usual way and resolves once it is acknowledged', async () => {
    const sent: LogBatch[] = [];
    const sh = shipper(async (b) => void sent.push(b));
    sh.write('stdout', Array.from({ length: TAIL_MAX_LINES + 1 }, (_, i) => `line ${i}\n`).join(''));
    expect(await sh.finish()).toBeNull();
    expect(sent.flatMap((b) => b.body.lines)).toHaveLength(TAIL_MAX_LINES + 1);
  });
});

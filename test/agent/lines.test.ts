import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { firstSeq } from '../../control-plane/src/contract/logs';
import { LineSplitter } from '../../worker-agent/src/lines';
import { LogShipper } from '../../worker-agent/src/logShipper';
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

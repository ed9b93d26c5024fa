import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exited, killLeftoverWorkerd, parseMark, startTimeOf, workerdMark } from '../../cli/local/workerdProcess';

describe('the leftover-workerd guard', () => {
  it('reads the start time from /proc/PID/stat, whatever the command name holds', () => {
    const stat = '4242 (work erd) (x)) S 1 4242 4242 0 -1 4194560 100 0 0 0 5 6 0 0 20 0 12 0 987654 1000 50';
    expect(startTimeOf(stat)).toBe(987654);
    if (existsSync('/proc/self/stat')) expect(startTimeOf(readFileSync('/proc/self/stat', 'utf8'))).toBeGreaterThan(0);
  });

  it('counts a process as exited once it is gone or a zombie (its sockets are closed then)', () => {
    expect(exited(null)).toBe(true);
    expect(exited('7 (workerd) Z 1 7')).toBe(true);
    expect(exited('7 (work) (erd) S 1 7')).toBe(false);
    expect(exited('7 (workerd) R 1 7')).toBe(false);
  });

  it('trusts only a well-formed pid file', () => {
    expect(parseMark('{"pid":123,"start":456}')).toEqual({ pid: 123, start: 456 });
    for (const bad of [null, '', 'junk', '{"pid":1,"start":2}', '{"pid":"12","start":3}', '{"pid":12}']) expect(parseMark(bad)).toBeNull();
  });

  it.skipIf(!existsSync('/proc/self/cmdline'))('never kills a process that is not the recorded workerd', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'titan-pid-'));
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 100));
      expect(workerdMark(sleeper.pid!)).toBeNull(); // not a workerd
      writeFileSync(join(dir, 'workerd.pid'), JSON.stringify({ pid: sleeper.pid, start: 1 }));
      expect(await killLeftoverWorkerd(dir)).toBe(false);
      expect(sleeper.exitCode).toBeNull();
      expect(existsSync(join(dir, 'workerd.pid'))).toBe(false);
    } finally {
      sleeper.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { describe, expect, it } from 'vitest';
import { isFinalStatus } from '../../control-plane/src/contract/jobs';
import { isLive, wantsColor } from '../../cli/progress';
import { changeLine, endedLine, finalSummary, MAX_RUNNING_ROWS, renderProgress, summarize, type JobFacts } from '../../cli/progressView';
import { LiveRegion, redraw } from '../../cli/liveRegion';

const T0 = 1_700_000_000_000;
const job = (id: string, status: string, more: Partial<JobFacts> = {}): JobFacts => ({ id, status: status as JobFacts['status'], node: null, startedAt: null, finishedAt: null, exitCode: null, ...more });
const plain = { since: T0, color: false };
const SGR = /\x1b\[[0-9;]*m/;

describe('plain progress lines (pipes, CI)', () => {
  it('summarizes progress', () => {
    expect(summarize({ a: 'COMPLETED', b: 'COMPLETED', c: 'RUNNING' })).toBe('✔completed 2  ▶running 1');
  });
  it('prints a changed job with its run time once it ended', () => {
    expect(changeLine('a', 'COMPLETED', job('a', 'COMPLETED', { startedAt: T0, finishedAt: T0 + 1234 }))).toBe('  ✔ a  COMPLETED (1.23 s)');
    expect(changeLine('b', 'RUNNING', job('b', 'RUNNING', { startedAt: T0 }))).toBe('  ▶ b  RUNNING');
  });
  it('stops following on the final user statuses the contract defines', () => {
    expect(['COMPLETED', 'FAILED', 'CANCELLED'].every(isFinalStatus)).toBe(true);
    expect(['PENDING', 'RUNNING', 'WAITING_APPROVAL'].some(isFinalStatus)).toBe(false);
  });
});

describe('the live display', () => {
  const statuses = { a: 'COMPLETED', b: 'RUNNING', c: 'RUNNING', d: 'PENDING' };
  const jobs = [job('a', 'COMPLETED'), job('b', 'RUNNING', { node: 'gpu-1', startedAt: T0 + 1000 }), job('c', 'RUNNING', { node: 'local-2', startedAt: T0 + 5000 }), job('d', 'PENDING')];

  it('shows a bar of ended/total with the elapsed time, the counts, and the running jobs with their agent', () => {
    const lines = renderProgress(statuses, jobs, T0 + 7000, 80, plain);
    expect(lines).toEqual([
      `${'█'.repeat(8)}${'░'.repeat(22)} 1/4 ended · 7s`,
      '▶ 2 running  · 1 pending  ✔ 1 completed',
      '  ▶ b  on gpu-1  6s',
      '  ▶ c  on local-2  2s',
    ]);
  });

  it('keeps every line inside a narrow terminal, dropping the bar when there is no room for it', () => {
    const lines = renderProgress(statuses, jobs, T0 + 7000, 20, plain);
    expect(lines[0]).toBe('1/4 ended · 7s');
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(19);
    expect(lines[1]).toBe('▶ 2 running  · 1 p…');
    expect(renderProgress(statuses, jobs, T0 + 7000, 24, plain)[0]).toBe('██░░░░░░ 1/4 ended · 7s');
    const wide = renderProgress(statuses, jobs, T0 + 7000, 40, plain);
    expect(wide[0]).toMatch(/^█+░+ 1\/4 ended · 7s$/);
    expect([...wide[0]].length).toBe(39);
  });

  it('lists at most a few running jobs and counts the rest', () => {
    const many = Object.fromEntries(Array.from({ length: MAX_RUNNING_ROWS + 3 }, (_, i) => [`j${i}`, 'RUNNING']));
    const lines = renderProgress(many, [], T0, 80, plain);
    expect(lines).toHaveLength(2 + MAX_RUNNING_ROWS + 1);
    expect(lines.at(-1)).toBe('  … 3 more running');
    expect(lines[2]).toBe('  ▶ j0  on ?');
  });

  it('colours by status, red bar once something failed, and none at all without colour', () => {
    const failed = renderProgress({ a: 'FAILED', b: 'RUNNING' }, [], T0, 80, { since: T0, color: true });
    expect(failed[0]).toContain('\x1b[31m█');
    expect(failed[1]).toContain('\x1b[36m▶ 1 running\x1b[0m');
    expect(renderProgress({ a: 'COMPLETED', b: 'RUNNING' }, [], T0, 80, { since: T0, color: true })[0]).toContain('\x1b[32m█');
    for (const l of renderProgress({ a: 'FAILED', b: 'RUNNING' }, [], T0, 80, plain)) expect(l).not.toMatch(SGR);
  });

  it('prints a line above the region for a job that failed or was cancelled, not for one that completed', () => {
    expect(endedLine('b', 'FAILED', job('b', 'FAILED', { exitCode: 3, node: 'gpu-1' }), false, 80)).toBe('✘ b  FAILED  (exit 3, on gpu-1)');
    expect(endedLine('c', 'CANCELLED', job('c', 'CANCELLED'), false, 80)).toBe('⊘ c  CANCELLED');
    expect(endedLine('a', 'COMPLETED', job('a', 'COMPLETED'), false, 80)).toBeNull();
    expect(endedLine('a', 'RUNNING', job('a', 'RUNNING'), false, 80)).toBeNull();
  });

  it('ends with one summary line: all completed, or which did not', () => {
    expect(finalSummary({ a: 'COMPLETED', b: 'COMPLETED' }, T0 + 3210, plain)).toBe('✔ all 2 jobs completed in 3.2 s');
    expect(finalSummary({ a: 'COMPLETED', b: 'FAILED', c: 'CANCELLED' }, T0 + 125_000, plain)).toBe('✘ 1 of 3 jobs completed in 2m05s; failed: b; cancelled: c');
    expect(finalSummary({ a: 'COMPLETED' }, T0, { since: T0, color: true })).toMatch(SGR);
  });
});

describe('choosing the display', () => {
  it('is live only on a terminal that is not dumb; NO_COLOR drops colour only', () => {
    expect(isLive(true, {})).toBe(true);
    expect(isLive(undefined, {})).toBe(false);
    expect(isLive(false, {})).toBe(false);
    expect(isLive(true, { TERM: 'dumb' })).toBe(false);
    expect(wantsColor({})).toBe(true);
    expect(wantsColor({ NO_COLOR: '1' })).toBe(false);
    expect(wantsColor({ NO_COLOR: '' })).toBe(true);
  });
});

describe('redrawing in place', () => {
  it('moves up over the old block, clears it, prints the kept lines and the new block', () => {
    expect(redraw(0, [], ['a', 'b'])).toBe('\r\x1b[0Ja\nb\n');
    expect(redraw(2, ['✘ x FAILED'], ['c'])).toBe('\r\x1b[2A\x1b[0J✘ x FAILED\nc\n');
  });
  it('writes nothing when the block did not change', () => {
    const out: string[] = [];
    const r = new LiveRegion((s) => out.push(s));
    r.update(['a', 'b']);
    r.update(['a', 'b']);
    r.update(['a', 'c']);
    r.done(['end']);
    expect(out).toEqual(['\r\x1b[0Ja\nb\n', '\r\x1b[2A\x1b[0Ja\nc\n', 'end\n']);
  });
});

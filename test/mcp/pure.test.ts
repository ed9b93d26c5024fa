/** The MCP tools' pure parts: a tool's job as a contract JobSpec, the log window, the states a model sees. */
import { describe, expect, it } from 'vitest';
import { JobSpec, type LogLine } from '../../control-plane/src/contract';
import { fitLines, LOG_CHARS } from '../../control-plane/src/mcp/jobs';
import { jobSpecOf } from '../../control-plane/src/mcp/submit';
import { simpleState, ToolError } from '../../control-plane/src/mcp/tool';

const base = { args: [], requirement: 'GENERAL', priority: 1, max_retries: 3 };

describe('jobSpecOf', () => {
  it('source text becomes an inline payload the contract accepts', () => {
    const spec = jobSpecOf({ ...base, script: 'print("é")', timeout_s: 1.5, id: 'a', parents: ['p'] });
    const parsed = JobSpec.parse(spec);
    expect(Buffer.from(parsed.payloadB64!, 'base64').toString()).toBe('print("é")');
    expect([parsed.type, parsed.file, parsed.timeoutMs, parsed.parents]).toEqual(['RUN_PAYLOAD', 'job.py', 1500, ['p']]);
  });
  it('affinity_to names the job to run beside', () => {
    expect(JobSpec.parse(jobSpecOf({ ...base, script: 'x', affinity_to: 'extract-1' })).affinityTo).toBe('extract-1');
    expect(JobSpec.parse(jobSpecOf({ ...base, script: 'x' })).affinityTo).toBeNull();
  });
  it('an artifact runs a deployed script; an approval alone is a gate', () => {
    expect(JobSpec.parse(jobSpecOf({ ...base, artifact: 'etl.py' }))).toMatchObject({ script: 'etl.py', file: 'etl.py' });
    expect(JobSpec.parse(jobSpecOf({ ...base, id: 'g', approval: 'Go?' }))).toMatchObject({ type: 'GATE', approval: { message: 'Go?' } });
  });
  it('neither or both code sources are refused with the job named', () => {
    expect(() => jobSpecOf({ ...base, id: 'x' })).toThrow(ToolError);
    expect(() => jobSpecOf({ ...base, id: 'x' })).toThrow(/job x: give script/);
    expect(() => jobSpecOf({ ...base, script: 'a', artifact: 'b' })).toThrow(/not both/);
  });
});

describe('fitLines', () => {
  const lines: LogLine[] = Array.from({ length: 1000 }, (_, i) => ({ seq: i + 1, ts: 0, stream: 'stdout', text: 'x'.repeat(90) }));
  it('keeps the newest lines (tail) or the oldest (offset) within the character budget', () => {
    const tail = fitLines(lines, true);
    const head = fitLines(lines, false);
    expect(tail.length).toBe(head.length);
    expect(tail.length * 100).toBeLessThanOrEqual(LOG_CHARS);
    expect(tail.at(-1)!.seq).toBe(1000);
    expect(head[0]!.seq).toBe(1);
  });
  it('one huge line is still shown', () => {
    expect(fitLines([{ seq: 1, ts: 0, stream: 'stdout', text: 'y'.repeat(LOG_CHARS * 2) }], true)).toHaveLength(1);
  });
});

it('a model sees FAILED only for the final failure', () => {
  expect([simpleState('DEAD'), simpleState('FAILED'), simpleState('WAITING_APPROVAL')]).toEqual(['FAILED', 'QUEUED', 'WAITING_APPROVAL']);
});

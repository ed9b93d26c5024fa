import { describe, expect, it } from 'vitest';
import { parsePipeline, pipelineToDag } from '../../sdk/ts/pipeline';
import { parseArgs } from '../../sdk/ts/cli/args';
import { summarize } from '../../sdk/ts/cli/progress';

const DIAMOND = `
name: diamond
jobs:
  - id: a
    file: a.py
  - id: b
    file: b.py
    args: "x y"
    depends_on: [a]
    requirement: gpu
  - id: c
    type: service
    file: c.py
    port: 8080
    depends_on: a
  - id: d
    file: d.py
    delay: 2
    priority: 7
    affinity: true
    depends_on: [b, c]
`;

describe('YAML pipelines', () => {
  it('parses the original format', () => {
    const p = parsePipeline(DIAMOND);
    expect(p.name).toBe('diamond');
    expect(p.jobs.map((j) => j.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(p.jobs[1]).toMatchObject({ args: ['x', 'y'], requirement: 'GPU', depends_on: ['a'] });
    expect(p.jobs[2]).toMatchObject({ type: 'service', port: 8080, depends_on: ['a'] });
  });
  it('turns a pipeline into a DAG request with inline scripts or archive entries', () => {
    const p = parsePipeline(DIAMOND);
    const inline = pipelineToDag(p, { readFile: (f) => new TextEncoder().encode(`# ${f}`) });
    expect(inline.jobs[2]).toMatchObject({ type: 'SERVICE', file: 'c.py', port: 8080, payloadB64: Buffer.from('# c.py').toString('base64') });
    expect(inline.jobs[3]).toMatchObject({ delayMs: 2000, priority: 7, affinity: true, parents: ['b', 'c'] });
    const zipped = pipelineToDag(p, { archive: 'proj.zip' });
    expect(zipped.jobs[0]).toMatchObject({ type: 'RUN_ARCHIVE', archive: 'proj.zip', file: 'a.py' });
    expect(zipped.jobs[2]).toMatchObject({ type: 'ARCHIVE_SERVICE' });
  });
  it('explains what is wrong before anything is sent', () => {
    expect(() => parsePipeline('name: x\njobs:\n  - id: a\n    file: a.py\n    depends_on: [ghost]\n')).toThrow('job a depends on unknown job ghost');
    expect(() => parsePipeline('jobs:\n  - {id: a, file: a.py, depends_on: [b]}\n  - {id: b, file: b.py, depends_on: [a]}\n')).toThrow(/^cycle: /);
    expect(() => parsePipeline('jobs:\n  - {id: a, file: a.py}\n  - {id: a, file: b.py}\n')).toThrow('duplicate job id a');
    expect(() => parsePipeline('jobs:\n  - {id: s, type: service, file: s.py}\n')).toThrow('service s needs a port');
    expect(() => parsePipeline('jobs: [')).toThrow(/not valid YAML/);
    expect(() => parsePipeline('name: empty\n')).toThrow(/non-empty list/);
  });
});

describe('cli helpers', () => {
  it('parses flags and positionals', () => {
    expect(parseArgs(['logs', 'J1', '-f', '--url', 'http://x', '--wait'], ['wait'])).toEqual({ positionals: ['logs', 'J1'], flags: { f: true, url: 'http://x', wait: true } });
    expect(parseArgs(['--slots=4', 'a'])).toEqual({ positionals: ['a'], flags: { slots: '4' } });
  });
  it('summarizes progress', () => {
    expect(summarize({ a: 'COMPLETED', b: 'COMPLETED', c: 'RUNNING' })).toBe('✔completed 2  ▶running 1');
  });
});

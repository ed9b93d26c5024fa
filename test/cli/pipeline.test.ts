import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { delayMs, loadPipelineFile, parsePipeline, PipelineError, pipelineToDag } from '../../sdk/ts/pipeline';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'pipelines');

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
    expect(p.jobs[1]).toMatchObject({ args: ['x', 'y'], requirement: 'GPU', parents: ['a'] });
    expect(p.jobs[2]).toMatchObject({ type: 'service', port: 8080, parents: ['a'] });
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
    expect(() => parsePipeline('name: x\njobs:\n  - id: a\n    file: a.py\n    depends_on: [ghost]\n')).toThrow("job 'a' depends on unknown job 'ghost'");
    expect(() => parsePipeline('jobs:\n  - {id: a, file: a.py, depends_on: [b]}\n  - {id: b, file: b.py, depends_on: [a]}\n')).toThrow(/^cycle: /);
    expect(() => parsePipeline('jobs:\n  - {id: a, file: a.py}\n  - {id: a, file: b.py}\n')).toThrow("duplicate job id 'a'");
    expect(() => parsePipeline('jobs:\n  - {id: s, type: service, file: s.py}\n')).toThrow("job 's': a service needs a 'port'");
    expect(() => parsePipeline('jobs: [')).toThrow(/not valid YAML/);
    expect(() => parsePipeline('name: empty\n')).toThrow(/non-empty list/);
  });
});

describe('pipelines from files', () => {
  it('names a pipeline after its file and resolves scripts beside it', () => {
    const p = loadPipelineFile(join(FIXTURES, 'scripts_relative.yaml'));
    expect(p.jobs.map((j) => j.file)).toEqual(['scripts/hello.py', 'a.py', 'scripts/hello.py']);
    expect(loadPipelineFile(join(FIXTURES, 'minimal.yaml')).name).toBe('minimal');
    expect(parsePipeline('jobs: [{id: a, file: a.py}]').name).toBe('pipeline'); // no file name given
  });
  it('uses the project folder and its zip name', () => {
    const p = loadPipelineFile(join(FIXTURES, 'project_archive.yaml'));
    expect([p.project, p.archive]).toEqual(['proj', 'proj.zip']);
    const dag = pipelineToDag(p, { archive: p.archive! });
    expect(dag.jobs[1]).toMatchObject({ type: 'ARCHIVE_SERVICE', archive: 'proj.zip', file: 'lib/util.py', port: 7000 });
  });
  it('names an unknown key and its line', () => {
    expect(() => loadPipelineFile(join(FIXTURES, 'unknown_job_key_dependson.yaml'))).toThrow("job 'b': unknown key 'dependson' (line 8)");
  });
  it('refuses what the HTTP API cannot carry yet instead of dropping it', () => {
    const refused = (f: string) => {
      try {
        pipelineToDag(loadPipelineFile(join(FIXTURES, f)), { readFile: () => new Uint8Array() });
      } catch (e) {
        return (e as PipelineError).issues.map((i) => `${i.code} ${i.job} ${i.key}`);
      }
      return [];
    };
    expect(refused('hitl.yaml')).toEqual(['unsupported build hitl_message', 'unsupported report hitl_message']);
    expect(refused('resources.yaml')).toEqual([]);
  });
  it('sends resource asks as the JobSpec fields, only those asked', () => {
    const dag = pipelineToDag(loadPipelineFile(join(FIXTURES, 'resources.yaml')), { readFile: () => new Uint8Array() });
    expect(dag.jobs[0]).toMatchObject({ id: 'big', gpus: 2, gpuMemoryMb: 40960, memoryMb: 65536, cpus: 0.5 });
    expect(dag.jobs[1]).toMatchObject({ id: 'small', cpus: 4 });
    expect(dag.jobs[1]).not.toHaveProperty('gpus');
    expect(dag.jobs[1]).not.toHaveProperty('memoryMb');
    const plain = pipelineToDag(loadPipelineFile(join(FIXTURES, 'minimal.yaml')), { readFile: () => new Uint8Array() });
    expect(plain.jobs.flatMap((j) => ['gpus', 'gpuMemoryMb', 'memoryMb', 'cpus'].filter((k) => k in j))).toEqual([]);
  });
  it('rounds delays to whole milliseconds, half up, like the Python SDK', () => {
    expect([0, 0.0005, 0.0015, 1.5, 2].map(delayMs)).toEqual([0, 1, 2, 1500, 2000]);
  });
});

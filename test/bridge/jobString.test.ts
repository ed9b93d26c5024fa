import { describe, expect, it } from 'vitest';
import {
  dagId,
  otherIdForm,
  parseDagPayload,
  parseDeploy,
  parseJobString,
  parseLegacySubmit,
  parseRun,
} from '../../tcp-bridge/src/jobString';

const B64 = Buffer.from('print("hi")\n').toString('base64');

describe('ids', () => {
  it('adds DAG- once and flips between the two forms', () => {
    expect(dagId('a')).toBe('DAG-a');
    expect(dagId('DAG-a')).toBe('DAG-a');
    expect(otherIdForm('DAG-a')).toBe('a');
    expect(otherIdForm('a')).toBe('DAG-a');
  });
});

describe('parseJobString', () => {
  it('inline task', () => {
    expect(parseJobString(`A|RUN_PAYLOAD|train.py|--epochs 3  --lr 0.1|${B64}|GPU|5|100|[]`)).toEqual({
      id: 'DAG-A',
      type: 'RUN_PAYLOAD',
      file: 'train.py',
      payloadB64: B64,
      args: ['--epochs', '3', '--lr', '0.1'],
      requirement: 'GPU',
      priority: 5,
      delayMs: 100,
      parents: [],
      affinity: false,
    });
  });

  it('keeps only the basename of an inline file and defaults an empty REQ to GENERAL', () => {
    const j = parseJobString(`A|RUN_PAYLOAD|dir/sub/x.py||${B64}||1|0|[]`);
    expect(j.file).toBe('x.py');
    expect(j.args).toEqual([]);
    expect(j.requirement).toBe('GENERAL');
  });

  it('accepts a job string without the REQ field', () => {
    expect(parseJobString(`A|RUN_PAYLOAD|x.py|a b|${B64}|1|0|[]`).requirement).toBe('GENERAL');
  });

  it('inline service', () => {
    expect(parseJobString(`web|DEPLOY_PAYLOAD|srv.py|${B64}|8080|GENERAL|1|0|[db]`)).toMatchObject({
      id: 'DAG-web',
      type: 'SERVICE',
      file: 'srv.py',
      payloadB64: B64,
      port: 8080,
      parents: ['DAG-db'],
    });
  });

  it('archive task', () => {
    expect(parseJobString('B|RUN_ARCHIVE|proj.zip/src/main.py|--x 1|GENERAL|2|0|[A,DAG-Z]')).toEqual({
      id: 'DAG-B',
      type: 'RUN_ARCHIVE',
      archive: 'proj.zip',
      file: 'src/main.py',
      args: ['--x', '1'],
      requirement: 'GENERAL',
      priority: 2,
      delayMs: 0,
      parents: ['DAG-A', 'DAG-Z'],
      affinity: false,
    });
  });

  it('archive service', () => {
    expect(parseJobString('S|START_ARCHIVE_SERVICE|app.zip/serve.py||9000|HIGH_MEM|1|0|[]')).toMatchObject({
      type: 'ARCHIVE_SERVICE',
      archive: 'app.zip',
      file: 'serve.py',
      port: 9000,
      requirement: 'HIGH_MEM',
      args: [],
    });
  });

  it('AFFINITY and STICKY suffixes, spaces around parents', () => {
    expect(parseJobString(`C|RUN_PAYLOAD|c.py||${B64}|GENERAL|1|0|[ A , B ]|AFFINITY`)).toMatchObject({ affinity: true, parents: ['DAG-A', 'DAG-B'] });
    expect(parseJobString(`C|RUN_PAYLOAD|c.py||${B64}|GENERAL|1|0|[A]|STICKY`).affinity).toBe(true);
  });

  it('negative priorities and an id already prefixed', () => {
    expect(parseJobString(`DAG-x|RUN_PAYLOAD|c.py||${B64}|GENERAL|-7|2500|[]`)).toMatchObject({ id: 'DAG-x', priority: -7, delayMs: 2500 });
  });

  it('args may contain [ (parents are taken from the LAST [)', () => {
    expect(parseJobString(`A|RUN_PAYLOAD|c.py|a[0] b|${B64}|GENERAL|1|0|[P]`)).toMatchObject({ args: ['a[0]', 'b'], parents: ['DAG-P'] });
  });

  it.each([
    ['A|RUN_PAYLOAD|c.py||x|GENERAL|1|0', /\[parents\]/],
    [`A|RUN_PAYLOAD|c.py||${B64}|GENERAL|high|0|[]`, /priority must be an integer/],
    [`A|RUN_PAYLOAD|c.py||${B64}|GENERAL|1|soon|[]`, /delay must be an integer/],
    [`A|RUN_PAYLOAD|c.py||${B64}|GENERAL|1|-5|[]`, /delay must not be negative/],
    [`A|FROBNICATE|c.py||${B64}|GENERAL|1|0|[]`, /unknown job kind 'FROBNICATE'/],
    ['A|RUN_PAYLOAD|c.py||not base64!|GENERAL|1|0|[]', /Base64/],
    [`A|DEPLOY_PAYLOAD|s.py|${B64}|http|GENERAL|1|0|[]`, /port must be an integer/],
    [`A|DEPLOY_PAYLOAD|s.py|${B64}|70000|GENERAL|1|0|[]`, /port must be 1..65535/],
    ['A|RUN_ARCHIVE|proj/main.py||GENERAL|1|0|[]', /<project>.zip\/<entry path>/],
    ['A|RUN_ARCHIVE|proj.zip/../etc/passwd||GENERAL|1|0|[]', /invalid entry path/],
    ['A|RUN_ARCHIVE|proj.zip/a.py||GENERAL|x|y|1|0|[]', /expects 3 fields/],
    [`|RUN_PAYLOAD|c.py||${B64}|GENERAL|1|0|[]`, /empty job id/],
    [`A B|RUN_PAYLOAD|c.py||${B64}|GENERAL|1|0|[]`, /id/],
    [`A|RUN_PAYLOAD|c.py||${B64}|GPU!|1|0|[]`, /requirement/],
    ['A|1|0|[]', /too few fields/],
  ])('refuses %s', (s, why) => {
    expect(() => parseJobString(s)).toThrow(why);
  });
});

describe('parseDagPayload', () => {
  it('splits on ; with the SDK spacing and ignores blank pieces', () => {
    const jobs = parseDagPayload(`A|RUN_PAYLOAD|a.py||${B64}|GENERAL|1|0|[] ; B|RUN_PAYLOAD|b.py||${B64}|GENERAL|1|0|[A] ;`);
    expect(jobs.map((j) => [j.id, j.parents])).toEqual([
      ['DAG-A', []],
      ['DAG-B', ['DAG-A']],
    ]);
  });

  it('names the failing job by its 1-based index', () => {
    expect(() => parseDagPayload(`A|RUN_PAYLOAD|a.py||${B64}|GENERAL|1|0|[] ; B|RUN_PAYLOAD|b.py||${B64}|GENERAL|x|0|[A]`)).toThrow(
      /^job 2: priority must be an integer, got 'x'$/,
    );
  });

  it('refuses an empty DAG', () => {
    expect(() => parseDagPayload('  ;  ')).toThrow(/empty DAG/);
  });
});

describe('legacy grammars', () => {
  it('SUBMIT_JOB: [ID|]SCRIPT[|PRIORITY][|DELAY]', () => {
    expect(parseLegacySubmit('calc.py')).toEqual({ type: 'RUN_PAYLOAD', script: 'calc.py', file: 'calc.py' });
    expect(parseLegacySubmit('j1|calc.py')).toMatchObject({ id: 'j1', script: 'calc.py' });
    expect(parseLegacySubmit('calc.py|5')).toMatchObject({ script: 'calc.py', priority: 5 });
    expect(parseLegacySubmit('calc.py|5|100')).toMatchObject({ priority: 5, delayMs: 100 });
    expect(parseLegacySubmit('j1|calc.py|5|100')).toMatchObject({ id: 'j1', priority: 5, delayMs: 100 });
    expect(() => parseLegacySubmit('a|b|c|d')).toThrow();
    expect(() => parseLegacySubmit('../x.py')).toThrow(/invalid script name/);
  });

  it('RUN: filename[|requirement]', () => {
    expect(parseRun('job.py')).toEqual({ type: 'RUN_PAYLOAD', script: 'job.py', file: 'job.py', requirement: 'GENERAL' });
    expect(parseRun('job.py|GPU')).toMatchObject({ requirement: 'GPU' });
    expect(() => parseRun('../job.py')).toThrow(/invalid script name/);
  });

  it('DEPLOY: filename|port|requirement', () => {
    expect(parseDeploy('srv.py|8080|GENERAL')).toEqual({ type: 'SERVICE', script: 'srv.py', file: 'srv.py', port: 8080, requirement: 'GENERAL' });
    expect(() => parseDeploy('srv.py')).toThrow(/filename\|port\|requirement/);
    expect(() => parseDeploy('srv.py|x|GENERAL')).toThrow(/port/);
  });
});

describe('resource asks in the REQ field', () => {
  const task = (req: string) => `A|RUN_PAYLOAD|t.py||${B64}|${req}|1|0|[]`;

  it('reads asks after the tag into the contract fields', () => {
    expect(parseJobString(task('GPU gpus=2 gpu_memory_mb=40960 memory_mb=8192 cpus=4'))).toMatchObject({
      requirement: 'GPU',
      gpus: 2,
      gpuMemoryMb: 40960,
      memoryMb: 8192,
      cpus: 4,
    });
  });

  it('takes fractional cpus, any order, extra spaces, and a subset of keys', () => {
    const j = parseJobString(task('  HIGH_MEM   cpus=0.5  memory_mb=512 '));
    expect(j).toMatchObject({ requirement: 'HIGH_MEM', cpus: 0.5, memoryMb: 512 });
    expect(j).not.toHaveProperty('gpus');
    expect(j).not.toHaveProperty('gpuMemoryMb');
  });

  it('asks with no tag mean GENERAL', () => {
    expect(parseJobString(task('gpus=1'))).toMatchObject({ requirement: 'GENERAL', gpus: 1 });
  });

  it('a bare tag adds no resource fields (the original SDK strings parse as before)', () => {
    expect(Object.keys(parseJobString(task('GPU'))).sort()).toEqual(
      ['affinity', 'args', 'delayMs', 'file', 'id', 'parents', 'payloadB64', 'priority', 'requirement', 'type'],
    );
  });

  it('works in every kind of job string', () => {
    expect(parseJobString(`web|DEPLOY_PAYLOAD|srv.py|${B64}|8080|GENERAL memory_mb=256|1|0|[]`)).toMatchObject({ type: 'SERVICE', memoryMb: 256 });
    expect(parseJobString('B|RUN_ARCHIVE|proj.zip/m.py||GPU gpus=1|1|0|[]')).toMatchObject({ type: 'RUN_ARCHIVE', requirement: 'GPU', gpus: 1 });
    expect(parseJobString('S|START_ARCHIVE_SERVICE|app.zip/s.py||9000|cpus=2|1|0|[]')).toMatchObject({ type: 'ARCHIVE_SERVICE', requirement: 'GENERAL', cpus: 2 });
  });

  it('works in RUN and DEPLOY requirements', () => {
    expect(parseRun('job.py|GPU gpus=1 gpu_memory_mb=16384')).toEqual({
      type: 'RUN_PAYLOAD', script: 'job.py', file: 'job.py', requirement: 'GPU', gpus: 1, gpuMemoryMb: 16384,
    });
    expect(parseDeploy('srv.py|8080|GENERAL cpus=0.25 memory_mb=128')).toMatchObject({ requirement: 'GENERAL', cpus: 0.25, memoryMb: 128 });
    expect(() => parseRun('job.py|GPU vram=1')).toThrow(/unknown resource 'vram'/);
  });

  it.each([
    ['GPU vram=8', /unknown resource 'vram'/],
    ['GPU gpus=1 gpus=2', /resource 'gpus' is given twice/],
    ['GPU gpus=', /gpus must be a non-negative number, got ''/],
    ['GPU gpus=-1', /gpus must be a non-negative number, got '-1'/],
    ['GPU cpus=half', /cpus must be a non-negative number, got 'half'/],
    ['GPU cpus=.5', /cpus must be a non-negative number/],
    ['GPU memory_mb=1e3', /memory_mb must be a non-negative number/],
    ['GPU fast', /expected key=value resource asks after the tag 'GPU', got 'fast'/],
    ['GPU gpus=0.5', /gpus: gpus must be a whole number of devices \(fractions are not supported\)/],
    ['GPU gpu_memory_mb=1.5', /gpuMemoryMb/],
    ['GPU gpus=65', /gpus/],
    ['GPU cpus=5000', /cpus/],
    ['GPU! gpus=1', /requirement/],
  ])('refuses REQ %s', (req, why) => {
    expect(() => parseJobString(task(req))).toThrow(why);
  });

  it('names the job in a DAG payload', () => {
    expect(() => parseDagPayload(`${task('GPU')} ; ${task('GPU gpus=0.5')}`)).toThrow(/^job 2: gpus: .*fractions are not supported/);
  });
});

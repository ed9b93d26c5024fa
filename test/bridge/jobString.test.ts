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

import { beforeEach, describe, expect, it } from 'vitest';
import { TitanApiError, TitanUnreachableError } from '../../sdk/ts/client';
import { isErrorText } from '../../tcp-bridge/src/codec';
import { handleFrame, WORKER_OPCODE_REPLY } from '../../tcp-bridge/src/handlers/index';
import { splitKeyValue } from '../../tcp-bridge/src/handlers/store';
import { statsJson, statsText } from '../../tcp-bridge/src/handlers/stats';
import { OP } from '../../tcp-bridge/src/opcodes';
import { FakeClient } from './fakeClient';

const B64 = Buffer.from('print(1)').toString('base64');
const task = (id: string, parents = '') => `${id}|RUN_PAYLOAD|${id}.py||${B64}|GENERAL|1|0|[${parents}]`;

let fake: FakeClient;
let names: Map<string, string>;
const ask = async (op: number, payload = '') => {
  const r = await handleFrame(op, payload, { client: fake.asClient(), dagNameFor: (ids) => names.get(ids[0]!) }, 500);
  return r;
};
const say = async (op: number, payload = '') => (await ask(op, payload)).text;

beforeEach(() => {
  fake = new FakeClient();
  names = new Map();
});

describe('store opcodes', () => {
  it('splits on the first | only', () => {
    expect(splitKeyValue('k|a|b')).toEqual(['k', 'a|b']);
    expect(splitKeyValue('k|')).toEqual(['k', '']);
    expect(splitKeyValue('|v')).toBeNull();
    expect(splitKeyValue('kv')).toBeNull();
  });

  it('KV_SET / KV_GET round-trip values with | and unicode, empty values, NULL when absent', async () => {
    expect(await say(OP.KV_SET, 'k|a|b é 漢 🚀\nline2')).toBe('OK');
    expect(await say(OP.KV_GET, 'k')).toBe('a|b é 漢 🚀\nline2');
    expect(await say(OP.KV_SET, 'empty|')).toBe('OK');
    expect(await say(OP.KV_GET, 'empty')).toBe('');
    expect(await say(OP.KV_GET, 'missing')).toBe('NULL');
    expect(await say(OP.KV_SET, 'novalue')).toBe('ERROR: Invalid Format');
    expect(await say(OP.KV_SET, '|v')).toBe('ERROR: Invalid Format');
  });

  it('a value that starts with ERROR is still an ACK', async () => {
    await say(OP.KV_SET, 'k|ERROR: not really');
    expect(await ask(OP.KV_GET, 'k')).toEqual({ text: 'ERROR: not really', error: false });
  });

  it('SADD answers 1 then 0; SMEMBERS joins with ,', async () => {
    expect(await say(OP.KV_SADD, 's|a')).toBe('1');
    expect(await say(OP.KV_SADD, 's|a')).toBe('0');
    expect(await say(OP.KV_SADD, 's|b')).toBe('1');
    expect(await say(OP.KV_SMEMBERS, 's')).toBe('a,b');
    expect(await say(OP.KV_SMEMBERS, 'none')).toBe('');
    expect(await say(OP.KV_SADD, 'nobar')).toBe('ERROR: Invalid Format');
  });
});

describe('assets and scripts', () => {
  it('UPLOAD then FETCH returns the same bytes', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    expect(await say(OP.UPLOAD_ASSET, `a.bin|${bytes.toString('base64')}`)).toBe('UPLOAD_SUCCESS');
    expect(Buffer.from(await say(OP.FETCH_ASSET, 'a.bin'), 'base64')).toEqual(bytes);
    expect(await say(OP.FETCH_ASSET, 'nope.bin')).toBe('ERROR_NOT_FOUND');
    expect(await say(OP.FETCH_ASSET, '../../etc/passwd')).toBe('ERROR_NOT_FOUND');
  });

  it('refuses bad upload payloads and names', async () => {
    expect(await say(OP.UPLOAD_ASSET, 'nobar')).toBe('ERROR: Invalid Upload Payload');
    expect(await say(OP.UPLOAD_ASSET, 'x.bin|***')).toBe('ERROR: Invalid Upload Payload');
    expect(await say(OP.UPLOAD_ASSET, '../x.bin|AAAA')).toBe('ERROR: Invalid asset name (path traversal rejected)');
    expect(await say(OP.UPLOAD_ASSET, 'a/b|AAAA')).toBe('ERROR: Invalid asset name (path traversal rejected)');
    expect(fake.artifacts.size).toBe(0);
  });

  it('tolerates wrapped Base64', async () => {
    expect(await say(OP.UPLOAD_ASSET, 'w.txt|aGVs\nbG8=')).toBe('UPLOAD_SUCCESS');
    expect(Buffer.from(fake.artifacts.get('w.txt')!).toString()).toBe('hello');
  });

  it('UPLOAD_FAILED / DEPLOY_FAILED carry the reason', async () => {
    fake.failWith = new TitanApiError(413, 'payload_too_large', 'artifact too large');
    expect(await ask(OP.UPLOAD_ASSET, 'x|AAAA')).toEqual({ text: 'UPLOAD_FAILED: artifact too large', error: true });
    expect(await ask(OP.DEPLOY_SCRIPT, 'x.py|AAAA')).toEqual({ text: 'DEPLOY_FAILED: artifact too large', error: true });
  });

  it('DEPLOY_SCRIPT stores the script; traversal refused', async () => {
    expect(await say(OP.DEPLOY_SCRIPT, `calc.py|${B64}`)).toBe('DEPLOY_SUCCESS');
    expect(fake.scripts.has('calc.py')).toBe(true);
    expect(await say(OP.DEPLOY_SCRIPT, `../calc.py|${B64}`)).toBe('ERROR: Invalid script name (path traversal rejected)');
    expect(await say(OP.DEPLOY_SCRIPT, 'calc.py')).toMatch(/^DEPLOY_FAILED: /);
  });
});

describe('jobs', () => {
  it('SUBMIT_DAG stores DAG- ids and passes a learned name', async () => {
    names.set('DAG-A', 'nightly');
    expect(await say(OP.SUBMIT_DAG, `${task('A')} ; ${task('B', 'A')}`)).toBe('DAG_ACCEPTED');
    expect(fake.dags[0]!.name).toBe('nightly');
    expect(fake.dags[0]!.jobs.map((j) => j.id)).toEqual(['DAG-A', 'DAG-B']);
  });

  it('SUBMIT_DAG errors: grammar, cycle, active conflict', async () => {
    expect(await say(OP.SUBMIT_DAG, `${task('A')} ; B|RUN_PAYLOAD`)).toMatch(/^ERROR: job 2: /);
    expect(await say(OP.SUBMIT_DAG, `${task('A', 'B')} ; ${task('B', 'A')}`)).toBe('ERROR: the DAG has a cycle');
    expect(fake.jobs.size).toBe(0);
    await say(OP.SUBMIT_DAG, task('A'));
    expect(await say(OP.SUBMIT_DAG, task('A'))).toBe('ERROR: job DAG-A is still active');
  });

  it('GET_JOB_STATUS accepts either id form; NULL when unknown', async () => {
    await say(OP.SUBMIT_DAG, task('A'));
    expect(await say(OP.GET_JOB_STATUS, 'DAG-A')).toBe('PENDING');
    expect(await say(OP.GET_JOB_STATUS, 'A')).toBe('PENDING');
    fake.jobs.set('raw', { id: 'raw', status: 'COMPLETED', requirement: 'GENERAL', type: 'RUN_PAYLOAD', logs: [] });
    expect(await say(OP.GET_JOB_STATUS, 'DAG-raw')).toBe('COMPLETED');
    expect(await say(OP.GET_JOB_STATUS, 'zzz')).toBe('NULL');
    expect(await say(OP.GET_JOB_STATUS, 'bad id|x')).toBe('NULL');
    expect(await say(OP.GET_JOB_STATUS, '')).toBe('NULL');
  });

  it('GET_LOGS reads every page, joins with newlines, leaves out the agent\'s notes', async () => {
    await say(OP.SUBMIT_DAG, task('L'));
    fake.jobs.get('DAG-L')!.logs = ['[system] started x.py', 'one', 'two', 'ERROR three', 'four', 'five', '[system] exited with code 0'];
    expect(await ask(OP.GET_LOGS, 'L')).toEqual({ text: 'one\ntwo\nERROR three\nfour\nfive', error: false });
    expect(await say(OP.GET_LOGS, 'unknown')).toBe('');
  });

  it('CANCEL_JOB: CANCELLED / NOT_FOUND', async () => {
    await say(OP.SUBMIT_DAG, task('C'));
    expect(await say(OP.CANCEL_JOB, 'C')).toBe('CANCELLED');
    expect(fake.jobs.get('DAG-C')!.status).toBe('CANCELLED');
    expect(await say(OP.CANCEL_JOB, 'nope')).toBe('NOT_FOUND');
  });

  it('STOP: STOPPED: <id> / ERROR: Service <id> not found', async () => {
    await say(OP.SUBMIT_DAG, `web|DEPLOY_PAYLOAD|w.py|${B64}|8080|GENERAL|1|0|[]`);
    expect(await say(OP.STOP, 'DAG-web')).toBe('STOPPED: DAG-web');
    expect(await say(OP.STOP, 'DAG-ghost')).toBe('ERROR: Service DAG-ghost not found');
  });

  it('RUN and DEPLOY need a deployed script', async () => {
    expect(await say(OP.RUN, 'calc.py|GPU')).toBe('ERROR: File not found in perm_files');
    expect(await say(OP.DEPLOY, 'calc.py|8080|GENERAL')).toBe('ERROR: File not found in perm_files');
    await say(OP.DEPLOY_SCRIPT, `calc.py|${B64}`);
    expect(await say(OP.RUN, 'calc.py|gpu')).toMatch(/^JOB_QUEUED job-\d+ on GPU$/);
    expect(await say(OP.RUN, 'calc.py')).toMatch(/ on GENERAL$/);
    expect(await say(OP.DEPLOY, 'calc.py|8080|GENERAL')).toBe('DEPLOY_QUEUED');
    expect(await say(OP.DEPLOY, 'calc.py|port|GENERAL')).toMatch(/^ERROR: port must be an integer/);
  });

  it('SUBMIT_JOB (legacy) runs a deployed script', async () => {
    await say(OP.DEPLOY_SCRIPT, `calc.py|${B64}`);
    expect(await say(OP.SUBMIT_JOB, 'j1|calc.py|5')).toBe('JOB_ACCEPTED');
    expect(fake.jobs.has('j1')).toBe(true);
    expect(await say(OP.SUBMIT_JOB, 'other.py')).toBe('ERROR: File not found in perm_files');
  });
});

describe('stats', () => {
  it('STATS_JSON has the original keys and shapes', async () => {
    const json = JSON.parse(await say(OP.STATS_JSON));
    expect(json).toEqual({
      active_workers: 2,
      queue_size: 3,
      workers: [
        { port: 0, capabilities: '[GPU, GENERAL]', load: '1/4', active_job: 'DAG-train', services: [] },
        { port: 1, capabilities: '[GENERAL]', load: '0/4', active_job: null, services: ['DAG-web'] },
      ],
    });
    expect(statsJson(await fake.stats())).toBe(await say(OP.STATS_JSON));
  });

  it('STATS is readable text', async () => {
    const text = await say(OP.STATS);
    expect(text).toBe(statsText(await fake.stats()));
    expect(text).toMatch(/^Active workers: 2\nQueue size: 3 \(GPU: 2, GENERAL: 1\)\nJobs: PENDING=3 RUNNING=1 COMPLETED=5/);
    expect(text).toContain('agent-a1 [GPU, GENERAL] load 1/4 running DAG-train');
  });
});

describe('failures', () => {
  it('unknown and worker opcodes', async () => {
    expect(await ask(200)).toEqual({ text: 'UNKNOWN_OPCODE: 200', error: true });
    for (const op of [0x01, 0x02, 0x12, 0x15, 0x17]) expect(await say(op, 'x')).toBe(WORKER_OPCODE_REPLY);
  });

  it('an unreachable control plane is named as such', async () => {
    fake.failWith = new TitanUnreachableError('control plane unreachable: ECONNREFUSED: connect refused (http://x)');
    expect(await ask(OP.KV_GET, 'k')).toEqual({ text: 'ERROR: control plane unreachable: ECONNREFUSED: connect refused (http://x)', error: true });
    expect(await say(OP.GET_JOB_STATUS, 'x')).toMatch(/^ERROR: control plane unreachable/);
    expect(await say(OP.SUBMIT_DAG, task('A'))).toMatch(/^ERROR: control plane unreachable/);
  });

  it('a slow control plane is cut off at the deadline', async () => {
    fake.delayMs = 2_000;
    const t0 = Date.now();
    expect(await say(OP.KV_GET, 'k')).toMatch(/^ERROR: control plane unreachable: no answer within 0.5 s/);
    expect(Date.now() - t0).toBeLessThan(1_500);
  });

  it('a handler bug becomes ERROR: internal', async () => {
    fake.failWith = new TypeError('boom');
    expect(await say(OP.KV_GET, 'k')).toBe('ERROR: internal: boom');
  });

  it('every failure reply has the ERROR opcode and vice versa', async () => {
    const samples: [number, string][] = [
      [OP.KV_SET, 'x'],
      [OP.UPLOAD_ASSET, 'x'],
      [OP.FETCH_ASSET, 'x'],
      [OP.STOP, 'x'],
      [OP.CANCEL_JOB, 'x'],
      [OP.GET_JOB_STATUS, 'x'],
      [OP.DEPLOY_SCRIPT, 'x'],
      [OP.SUBMIT_DAG, 'x'],
      [OP.RUN, 'x'],
      [99, ''],
    ];
    for (const [op, p] of samples) {
      const r = await ask(op, p);
      expect(r.error, r.text).toBe(isErrorText(r.text));
    }
  });
});

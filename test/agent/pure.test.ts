import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TitanApiError, TitanUnreachableError } from '../../sdk/ts/client';
import { defaultName } from '../../worker-agent/src/agent';
import { backoffDelay } from '../../worker-agent/src/backoff';
import { ResultReporter } from '../../worker-agent/src/reporter';
import { outcomeOf } from '../../worker-agent/src/runners/job';
import { SDK_PYTHON, commandFor, jobEnv } from '../../worker-agent/src/runners/command';
import { restartDelay } from '../../worker-agent/src/runners/service';
import type { JobResultInput as JobResult } from '../../control-plane/src/contract/agents';

describe('interpreter choice', () => {
  it('picks by extension', () => {
    expect(commandFor('/w/a.py', ['x'])).toEqual({ cmd: 'python3', argv: ['-u', '/w/a.py', 'x'] });
    expect(commandFor('/w/a.sh', [])).toEqual({ cmd: 'bash', argv: ['/w/a.sh'] });
    expect(commandFor('/w/a.mjs', ['1']).argv).toEqual(['/w/a.mjs', '1']);
    expect(commandFor('/w/a.js', []).cmd).toBe(process.execPath);
    expect(commandFor('/w/tool', ['--v'])).toEqual({ cmd: '/w/tool', argv: ['--v'] });
    expect(commandFor('/w/A.PY', []).cmd).toBe('python3');
  });
});

describe('job environment', () => {
  const job = { id: 'j1', run: 2, attempt: 3, dag: null, type: 'RUN_PAYLOAD' as const, file: 'a.py', payloadHash: null, script: null, archive: null, args: [], port: 8080, timeoutMs: null, env: { FOO: 'bar' }, health: null, assigned: { gpus: [], cpus: 0, memoryMb: 0 } };
  it('adds identity, bridge, SDK path and job env; hides the agent token', () => {
    const env = jobEnv({ base: { PATH: '/bin', PYTHONPATH: '/mine', TITAN_AGENT_TOKEN: 'secret' }, job, url: 'http://cp', bridgePort: 4242, pythonPath: ['/ws/src'] });
    expect(env).toMatchObject({ TITAN_JOB_ID: 'j1', TITAN_RUN: '2', TITAN_ATTEMPT: '3', TITAN_HOST: '127.0.0.1', TITAN_PORT: '4242', TITAN_URL: 'http://cp', PORT: '8080', TITAN_SERVICE_PORT: '8080', FOO: 'bar', PATH: '/bin' });
    expect(env.PYTHONPATH).toBe(['/ws/src', SDK_PYTHON, '/mine'].join(path.delimiter));
    expect(env.TITAN_AGENT_TOKEN).toBeUndefined();
    expect(fs.existsSync(path.join(SDK_PYTHON, 'titan_sdk'))).toBe(true);
    expect(env.CUDA_VISIBLE_DEVICES).toBeUndefined(); // it holds no GPU: the environment is left as it is
  });
  it('pins a job to the GPUs it holds, over whatever its own env says', () => {
    const assigned = { gpus: [{ index: 1, uuid: 'GPU-b' }, { index: 3, uuid: 'GPU-d' }], cpus: 2.5, memoryMb: 4096 };
    const env = jobEnv({ base: { CUDA_VISIBLE_DEVICES: '0,1,2,3' }, job: { ...job, env: { CUDA_VISIBLE_DEVICES: '0' }, assigned }, url: 'http://cp' });
    expect(env).toMatchObject({ CUDA_VISIBLE_DEVICES: '1,3', NVIDIA_VISIBLE_DEVICES: '1,3', CUDA_DEVICE_ORDER: 'PCI_BUS_ID', TITAN_GPUS: '1,3', TITAN_GPU_UUIDS: 'GPU-b,GPU-d', TITAN_CPUS: '2.5', TITAN_MEMORY_MB: '4096' });
  });
});

describe('backoff', () => {
  it('grows, stays within [top/2, top] and caps', () => {
    for (let n = 0; n < 40; n++) {
      const top = Math.min(10_000, 250 * 2 ** n);
      for (const r of [0, 0.5, 0.999]) {
        const d = backoffDelay(n, { random: () => r });
        expect(d).toBeGreaterThanOrEqual(top / 2);
        expect(d).toBeLessThanOrEqual(top);
      }
    }
    expect(backoffDelay(100, { random: () => 1 })).toBe(10_000);
    expect(restartDelay(0, () => 1)).toBe(500);
    expect(restartDelay(20, () => 1)).toBe(30_000);
  });
});

describe('outcomes', () => {
  it('maps exits, timeouts and kills to result statuses', () => {
    expect(outcomeOf({ code: 0, signal: null }, false).status).toBe('COMPLETED');
    expect(outcomeOf({ code: 3, signal: null }, false)).toMatchObject({ status: 'FAILED', exitCode: 3 });
    expect(outcomeOf({ code: null, signal: 'SIGTERM' }, true).status).toBe('TIMEOUT');
    expect(outcomeOf({ code: null, signal: 'SIGTERM' }, false, 'cancel').status).toBe('CANCELLED');
    expect(outcomeOf({ code: null, signal: 'SIGTERM' }, false, 'stop').status).toBe('STOPPED');
  });
});

// The command-line config tests moved with the parser to test/cli/config.test.ts.
describe('agent identity', () => {
  it('default names are valid agent names', () => {
    expect(defaultName('my host.local', 12)).toBe('my-host.local-12');
  });
});

describe('result reporter', () => {
  const r = (id: string): JobResult => ({ leaseId: id, status: 'COMPLETED' });
  it('batches results finishing together and retries until acknowledged', async () => {
    const calls: string[][] = [];
    let fail = 2;
    const settled: string[] = [];
    const rep = new ResultReporter({
      backoff: () => 5,
      send: async (rs) => {
        calls.push(rs.map((x) => x.leaseId));
        if (fail-- > 0) throw new TitanUnreachableError('down');
        return rs.map((x) => ({ leaseId: x.leaseId, accepted: x.leaseId !== 'stale' }));
      },
      onSettled: (id) => settled.push(id),
      onAgentGone: () => {},
    });
    rep.add(r('a'));
    rep.add(r('stale'));
    await rep.drained();
    expect(calls).toEqual([['a', 'stale'], ['a', 'stale'], ['a', 'stale']]);
    expect(settled).toEqual(['a', 'stale']);
  });
  it('lets a lease request take results first (piggy-back) and gives them back on failure', async () => {
    const sent: string[] = [];
    const rep = new ResultReporter({ batchMs: 50, send: async (rs) => (sent.push(...rs.map((x) => x.leaseId)), []), onSettled: () => {}, onAgentGone: () => {} });
    rep.add(r('a'));
    const taken = rep.take();
    expect(taken.map((x) => x.leaseId)).toEqual(['a']);
    await new Promise((res) => setTimeout(res, 80));
    expect(sent).toEqual([]); // nothing left for `complete`
    rep.putBack(taken);
    await rep.drained();
    expect(sent).toEqual(['a']);
  });
  it('treats 404 as "agent forgotten": re-register, drop the stale results', async () => {
    let gone = 0;
    const rep = new ResultReporter({
      send: () => Promise.reject(new TitanApiError(404, 'not_found', 'unknown agent')),
      onSettled: () => {},
      onAgentGone: () => gone++,
    });
    rep.add(r('a'));
    await rep.drained();
    expect(gone).toBe(1);
    expect(rep.size).toBe(0);
  });
});

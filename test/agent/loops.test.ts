// The agent's decisions, as pure functions: registration, lease loop, heartbeat, reporting, drain.
import { describe, expect, it } from 'vitest';
import type { Lease, Order } from '../../control-plane/src/contract/agents';
import { TitanApiError, TitanUnreachableError, type TitanHttpClient } from '../../sdk/ts/client';
import type { Detected } from '../../worker-agent/src/capabilities';
import { drainOrder } from '../../worker-agent/src/drain';
import { heartbeatActions, heartbeatRequest } from '../../worker-agent/src/heartbeatLoop';
import { JobTable, type RunningJob } from '../../worker-agent/src/jobTable';
import { LeaseLoop, afterLeaseFailure, idlePauseMs } from '../../worker-agent/src/leaseLoop';
import { agentGone, mergeCapabilities, registerRetryable, registrationRequest, requeuedLeases, type Registration } from '../../worker-agent/src/register';
import { ResultReporter } from '../../worker-agent/src/reporter';
import { SlotAsks, askingComplete } from '../../worker-agent/src/slotAsks';
import type { JobHandle } from '../../worker-agent/src/runners/job';
import { shouldReport } from '../../worker-agent/src/startJob';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const lease = (leaseId: string, jobId = `job-${leaseId}`): Lease =>
  ({ leaseId, expiresAt: 0, job: { id: jobId, run: 1, attempt: 1 } }) as unknown as Lease;
const handle = (service: ReturnType<JobHandle['service']> = null): JobHandle => ({
  done: new Promise(() => {}),
  kill: () => {},
  killedFor: undefined,
  ended: false,
  service: () => service,
});
const running = (id: string, service: Parameters<typeof handle>[0] = null): RunningJob => ({ lease: lease(id), handle: handle(service) });

describe('registration', () => {
  const gpus = [{ index: 0, uuid: 'GPU-1', model: 'H100', memoryMb: 81_559, freeMemoryMb: 80_000 }];
  const detected: Detected = { capabilities: ['GENERAL', 'GPU'], gpus, gpuError: null, memoryMb: 4096, cpus: 8, host: 'box' };

  it('announces detected capabilities plus extra tags, upper-cased, each once', () => {
    expect(mergeCapabilities(['GENERAL', 'GPU'], ['gpu', 'fast', 'FAST'])).toEqual(['GENERAL', 'GPU', 'FAST']);
    expect(mergeCapabilities(['GENERAL'])).toEqual(['GENERAL']);
  });

  it('describes the machine in the request', () => {
    expect(registrationRequest({ name: 'a', capabilities: ['GENERAL'], slots: 2, ephemeral: true, detected })).toEqual({
      name: 'a',
      capabilities: ['GENERAL'],
      slots: 2,
      ephemeral: true,
      resources: { cpus: 8, memoryMb: 4096, gpus, gpuError: null },
      info: { host: 'box', version: '0.1.0' },
    });
  });

  it('offers no CPUs, memory or GPUs when it takes only jobs that ask for none', () => {
    expect(registrationRequest({ name: 'a', capabilities: ['GENERAL'], slots: 2, ephemeral: true, detected, slotsOnly: true }).resources).toEqual({ cpus: 0, memoryMb: 0, gpus: [], gpuError: null });
  });

  it('retries an unreachable or overloaded control plane, not a refusal', () => {
    expect(registerRetryable(new TitanUnreachableError('down'))).toBe(true);
    expect(registerRetryable(new TitanApiError(503, 'unavailable', 'x'))).toBe(true);
    expect(registerRetryable(new TitanApiError(429, 'rate_limited', 'x'))).toBe(true);
    expect(registerRetryable(new TitanApiError(408, 'timeout', 'x'))).toBe(true);
    expect(registerRetryable(new TitanApiError(401, 'unauthorized', 'x'))).toBe(false);
    expect(registerRetryable(new TitanApiError(400, 'bad_request', 'x'))).toBe(false);
  });

  it('reads 404 as "forgotten" and gives up the leases of re-queued jobs', () => {
    expect(agentGone(new TitanApiError(404, 'not_found', 'unknown agent'))).toBe(true);
    expect(agentGone(new TitanApiError(500, 'internal', 'x'))).toBe(false);
    expect(requeuedLeases(['j1', 'j3'], [lease('l1', 'j1'), lease('l2', 'j2'), lease('l3', 'j3')])).toEqual(['l1', 'l3']);
    expect(requeuedLeases([], [lease('l1', 'j1')])).toEqual([]);
  });
});

describe('lease loop', () => {
  it('re-registers on 404, else backs off with jitter and logs the first failure and every auth failure', () => {
    expect(afterLeaseFailure(new TitanApiError(404, 'not_found', 'x'), 5)).toEqual({ kind: 'reregister' });
    expect(afterLeaseFailure(new TitanUnreachableError('down'), 0, () => 0)).toEqual({ kind: 'retry', delayMs: 125, log: true });
    expect(afterLeaseFailure(new TitanUnreachableError('down'), 2, () => 1)).toEqual({ kind: 'retry', delayMs: 1000, log: false });
    expect(afterLeaseFailure(new TitanApiError(401, 'unauthorized', 'x'), 3, () => 0)).toMatchObject({ kind: 'retry', log: true });
    expect(afterLeaseFailure(new TitanApiError(403, 'forbidden', 'x'), 3)).toMatchObject({ log: true });
    expect(afterLeaseFailure(new TitanApiError(500, 'internal', 'x'), 40, () => 1)).toMatchObject({ delayMs: 10_000 });
  });

  it('pauses only after an instant empty answer (never spins)', () => {
    expect(idlePauseMs(0, 3)).toBe(250);
    expect(idlePauseMs(0, 25_000)).toBe(0);
    expect(idlePauseMs(2, 3)).toBe(0);
  });
});

describe('heartbeat', () => {
  it('keeps every held lease alive and reports services', () => {
    const jobs = [running('a'), running('s', { state: 'running', restarts: 2, health: 'unhealthy', lastExit: 'unhealthy: 3 failed checks' })];
    expect(heartbeatRequest(jobs, ['a', 's', 'done-unacked'])).toEqual({
      leases: ['a', 's', 'done-unacked'],
      services: [{ leaseId: 's', state: 'running', restarts: 2, health: 'unhealthy', lastExit: 'unhealthy: 3 failed checks' }],
    });
  });

  it('applies orders to running jobs only and gives up every lost lease', () => {
    const res = {
      orders: [
        { leaseId: 'a', jobId: 'ja', action: 'cancel' as const },
        { leaseId: 's', jobId: 'js', action: 'stop' as const },
        { leaseId: 'gone', jobId: 'jg', action: 'cancel' as const },
      ],
      lost: ['b', 'unacked'],
    };
    expect(heartbeatActions(res, (id) => ['a', 's', 'b'].includes(id))).toEqual([
      { leaseId: 'a', kill: 'cancel' },
      { leaseId: 's', kill: 'stop' },
      { leaseId: 'b', lose: true },
      { leaseId: 'unacked', lose: true },
    ]);
    expect(heartbeatActions({ orders: [], lost: [] }, () => true)).toEqual([]);
  });
});

describe('job table and reporting', () => {
  it('a slot frees when the process ends; the lease stays held until its result is settled', async () => {
    const t = new JobTable(2);
    t.add(lease('a'), handle());
    t.add(lease('b'), handle());
    expect([t.size, t.free]).toEqual([2, 0]);
    let freed = 0;
    const off = t.onSlotFree(() => freed++);
    t.finished('a');
    off();
    t.finished('b');
    expect(freed).toBe(1); // heard while listening, not after
    t.add(lease('b'), handle());
    expect([t.size, t.free, t.has('a'), t.isHeld('a')]).toEqual([1, 1, false, true]);
    expect(t.heldLeases()).toEqual(['a', 'b']);
    t.release('a');
    expect(t.heldLeases()).toEqual(['b']);
  });

  it('reports outcomes except for lost leases, shutdowns and dropped leases', () => {
    expect(shouldReport(undefined, true)).toBe(true);
    expect(shouldReport('cancel', true)).toBe(true);
    expect(shouldReport('stop', true)).toBe(true);
    expect(shouldReport('lost', true)).toBe(false);
    expect(shouldReport('shutdown', true)).toBe(false);
    expect(shouldReport(undefined, false)).toBe(false);
  });
});

describe('drain', () => {
  it('hands services back at once and gives batch jobs the grace', () => {
    expect(drainOrder([{ leaseId: 'a', isService: false }, { leaseId: 's', isService: true }, { leaseId: 'b', isService: false }])).toEqual({ now: ['s'], afterGrace: ['a', 'b'] });
    expect(drainOrder([])).toEqual({ now: [], afterGrace: [] });
  });
});

describe('lease loop polling (one module, with a stand-in client)', () => {
  const registration = { id: 'agent-1', reregister: async () => {} } as unknown as Registration;
  const reporter = () => new ResultReporter({ send: async () => [], onSettled: () => {}, onAgentGone: () => {} });

  it('with every slot busy it polls for orders only, applies them, and re-polls for work the moment a slot frees', async () => {
    const table = new JobTable(1);
    table.add(lease('busy'), handle());
    const calls: Array<{ max: number; aborted?: boolean }> = [];
    const orders: Order[][] = [];
    let answerOrders: ((o: Order[]) => void) | undefined;
    const client = {
      lease: (_id: string, req: { max: number }, signal: AbortSignal) => {
        const call: { max: number; aborted?: boolean } = { max: req.max };
        calls.push(call);
        let settled = false; // like a real request, an answered one ignores a later abort
        return new Promise((resolve, reject) => {
          signal.addEventListener('abort', () => !settled && ((call.aborted = true), reject(new Error('aborted'))));
          if (req.max === 0 && !answerOrders) answerOrders = (o) => ((settled = true), resolve({ leases: [], acks: [], orders: o }));
        });
      },
    } as unknown as TitanHttpClient;
    const loop = new LeaseLoop({ client, registration, table, reporter: reporter(), asks: new SlotAsks(), start: () => {}, orders: (o) => orders.push(o), linkUp: () => {}, log: () => {} });
    const done = loop.run();
    await sleep(20);
    expect(calls).toEqual([{ max: 0 }]);
    answerOrders!([{ leaseId: 'busy', jobId: 'job-busy', action: 'cancel' }]);
    await sleep(20);
    expect(orders).toEqual([[{ leaseId: 'busy', jobId: 'job-busy', action: 'cancel' }]]);
    expect(calls.map((c) => c.max)).toEqual([0, 0]); // still busy: still listening for orders
    table.finished('busy');
    await sleep(20);
    expect(calls).toEqual([{ max: 0 }, { max: 0, aborted: true }, { max: 1 }]);
    await loop.stop();
    await done;
    expect(calls.at(-1)).toEqual({ max: 1, aborted: true });
  });
});

describe('a freed slot asked for where its result is reported', () => {
  const registration = { id: 'agent-1', reregister: async () => {} } as unknown as Registration;
  const result = (leaseId: string) => ({ leaseId, status: 'COMPLETED' as const, exitCode: 0, durationMs: 1, error: null });

  /** An agent's loop and reporter wired as agent.ts wires them, over a stand-in client. */
  function rig(slots: number, running: string[]) {
    const table = new JobTable(slots);
    for (const id of running) table.add(lease(id), handle());
    const asks = new SlotAsks();
    const polls: Array<{ max: number; aborted?: boolean }> = [];
    const completes: Array<{ max: number; answer: (leases: Lease[]) => void }> = [];
    const started: string[] = [];
    const client = {
      lease: (_id: string, req: { max: number }, signal: AbortSignal) => {
        const call: { max: number; aborted?: boolean } = { max: req.max };
        polls.push(call);
        return new Promise((_resolve, reject) => signal.addEventListener('abort', () => ((call.aborted = true), reject(new Error('aborted')))));
      },
    } as unknown as TitanHttpClient;
    let loop: LeaseLoop | undefined;
    const start = (l: Lease) => (started.push(l.leaseId), table.add(l, handle()));
    const reporter = new ResultReporter({
      send: askingComplete({
        asks,
        free: () => table.free,
        asking: () => loop !== undefined,
        complete: (results, max) => new Promise((resolve) => completes.push({ max, answer: (leases) => resolve({ acks: results.map((r) => ({ leaseId: r.leaseId, accepted: true })), leases }) })),
        start,
      }),
      afterSend: () => loop?.recheck(),
      onSettled: (id) => table.release(id),
      onAgentGone: () => {},
    });
    loop = new LeaseLoop({ client, registration, table, reporter, asks, start, orders: () => {}, linkUp: () => {}, log: () => {} });
    /** A job ends as startJob.ts ends it: its slot frees and its result goes to the reporter in one turn. */
    const finish = (id: string) => (table.finished(id), reporter.add(result(id)));
    return { table, loop, polls, completes, started, finish };
  }

  it('a busy agent keeps its held poll: the complete asks for the freed slot and gets the next job', async () => {
    const r = rig(2, ['a', 'b']);
    const done = r.loop.run();
    await sleep(10);
    expect(r.polls).toEqual([{ max: 0 }]); // every slot busy: orders only
    r.finish('a');
    await sleep(10);
    expect(r.polls).toEqual([{ max: 0 }]); // not dropped: the result's complete asks for the slot
    expect(r.completes.map((c) => c.max)).toEqual([1]);
    r.completes[0]!.answer([lease('c')]);
    await sleep(10);
    expect(r.started).toEqual(['c']);
    expect(r.polls).toEqual([{ max: 0 }]);
    // The next one finds no queued work: its slot is left uncovered, so the poll is asked again for it.
    r.finish('b');
    await sleep(10);
    expect(r.completes.map((c) => c.max)).toEqual([1, 1]);
    r.completes[1]!.answer([]);
    await sleep(10);
    expect(r.polls).toEqual([{ max: 0, aborted: true }, { max: 1 }]);
    await r.loop.stop();
    await done;
  });

  it('a poll asking for some free slots leaves the slot a result frees to that result, and is never dropped (its answer may carry leases)', async () => {
    const r = rig(3, ['a']);
    const done = r.loop.run();
    await sleep(10);
    expect(r.polls).toEqual([{ max: 2 }]);
    r.finish('a');
    await sleep(10);
    expect(r.completes.map((c) => c.max)).toEqual([1]); // the third slot, which the poll does not hold
    r.completes[0]!.answer([lease('d')]);
    await sleep(10);
    expect(r.polls).toEqual([{ max: 2 }]);
    r.table.finished('d'); // ended unreported (a lost lease): its slot waits for the poll's answer
    await sleep(10);
    expect(r.polls).toEqual([{ max: 2 }]);
    await r.loop.stop();
    await done;
  });
});

describe('result reporter', () => {
  it('close() stops every retry and hands back what is unsent, the request in flight included', async () => {
    let sends = 0;
    const r = new ResultReporter({ send: () => (sends++, Promise.reject(new TitanUnreachableError('down'))), onSettled: () => {}, onAgentGone: () => {}, backoff: () => 5 });
    r.add({ leaseId: 'a', status: 'COMPLETED', exitCode: 0, durationMs: 1, error: null });
    await sleep(30);
    expect(sends).toBeGreaterThan(1);
    r.add({ leaseId: 'b', status: 'FAILED', exitCode: 1, durationMs: 1, error: 'x' });
    expect(r.close().map((x) => x.leaseId).sort()).toEqual(['a', 'b']);
    const after = sends;
    await sleep(30);
    expect(sends).toBe(after);
    await r.drained(); // nothing left to wait for
  });
});

import { describe, expect, it } from 'vitest';
import { afterLeaseLoss, attemptsAfterRelease, outcomeOf, outcomeOfExpiry } from '../../../control-plane/src/core/outcome';
import { retryDelayMs } from '../../../control-plane/src/core/retry';

const cfg = { retryBaseMs: 500, retryCapMs: 4000 };

describe('retry policy', () => {
  it('backs off exponentially up to the cap', () => {
    expect([1, 2, 3, 4, 5].map((a) => retryDelayMs(a, 500, 4000))).toEqual([500, 1000, 2000, 4000, 4000]);
  });
  it('retries while attempts ≤ maxRetries, then DEAD', () => {
    const r = { status: 'FAILED' as const, exitCode: 1, error: null };
    expect(outcomeOf(r, { attempts: 1, maxRetries: 3 }, 1000, cfg)).toMatchObject({ state: 'FAILED', readyAt: 1500 });
    expect(outcomeOf(r, { attempts: 3, maxRetries: 3 }, 1000, cfg)).toMatchObject({ state: 'FAILED', readyAt: 3000 });
    expect(outcomeOf(r, { attempts: 4, maxRetries: 3 }, 1000, cfg).state).toBe('DEAD');
    expect(outcomeOf(r, { attempts: 1, maxRetries: 0 }, 1000, cfg).state).toBe('DEAD');
  });
  it('maps timeouts to failures and stopped services to completion', () => {
    expect(outcomeOf({ status: 'TIMEOUT', exitCode: null, error: null }, { attempts: 1, maxRetries: 0 }, 0, cfg)).toMatchObject({ state: 'DEAD', note: 'timed out; no retries left' });
    expect(outcomeOf({ status: 'STOPPED', exitCode: null, error: null }, { attempts: 1, maxRetries: 0 }, 0, cfg).state).toBe('COMPLETED');
  });
  it('notes the exit code, the error, and a cancel on the agent', () => {
    expect(outcomeOf({ status: 'COMPLETED', exitCode: null, error: null }, { attempts: 1, maxRetries: 0 }, 0, cfg)).toEqual({ state: 'COMPLETED', note: 'exit 0' });
    expect(outcomeOf({ status: 'FAILED', exitCode: 2, error: 'boom' }, { attempts: 1, maxRetries: 1 }, 0, cfg).note).toBe('boom; retry 1/1');
    expect(outcomeOf({ status: 'CANCELLED', exitCode: null, error: null }, { attempts: 1, maxRetries: 1 }, 0, cfg)).toEqual({ state: 'CANCELLED', note: 'cancelled on the agent' });
  });
});

describe('lost leases', () => {
  it('re-queues an expired lease while retries remain', () => {
    expect(outcomeOfExpiry({ attempts: 1, maxRetries: 3 })).toBe('QUEUED');
    expect(outcomeOfExpiry({ attempts: 4, maxRetries: 3 })).toBe('DEAD');
  });
  it('ends a service told to stop as completed, whatever its attempts', () => {
    expect(afterLeaseLoss({ attempts: 9, maxRetries: 0, orderAction: 'stop' }, 'lease expired')).toEqual({ state: 'COMPLETED', note: 'service stopped (lease expired)' });
  });
  it('says why in the note, and whether it was re-queued or dead', () => {
    expect(afterLeaseLoss({ attempts: 1, maxRetries: 1, orderAction: null }, 'agent restarted')).toEqual({ state: 'QUEUED', note: 'agent restarted; re-queued' });
    expect(afterLeaseLoss({ attempts: 2, maxRetries: 1, orderAction: 'cancel' }, 'lease expired')).toEqual({ state: 'DEAD', note: 'lease expired; no retries left' });
  });
  it('gives the attempt back only when the agent hands the job back on purpose', () => {
    expect(attemptsAfterRelease(3, true)).toBe(3);
    expect(attemptsAfterRelease(3, false)).toBe(2);
    expect(attemptsAfterRelease(0, false)).toBe(0);
  });
});

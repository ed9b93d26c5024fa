import { describe, expect, it } from 'vitest';
import { chooseJobs, mergeByRank } from '../../../control-plane/src/cluster/choose';
import { canTransition, nextAlarmAt, outcomeOf, outcomeOfExpiry, retryDelayMs } from '../../../control-plane/src/cluster/policy';
import { isSafeName, isSafeRelativePath, userStatus } from '../../../control-plane/src/contract';
import { shardOf } from '../../../control-plane/src/store/shard';

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
  it('re-queues an expired lease while retries remain', () => {
    expect(outcomeOfExpiry({ attempts: 1, maxRetries: 3 })).toBe('QUEUED');
    expect(outcomeOfExpiry({ attempts: 4, maxRetries: 3 })).toBe('DEAD');
  });
  it('allows only the designed transitions', () => {
    expect(canTransition('QUEUED', 'RUNNING')).toBe(true);
    expect(canTransition('COMPLETED', 'RUNNING')).toBe(false);
    expect(canTransition('PENDING', 'RUNNING')).toBe(false);
  });
});

describe('nextAlarmAt', () => {
  it('sets the alarm for what is due, keeps an earlier one, and never uses the firing instant', () => {
    expect(nextAlarmAt(null, null, 1000)).toBeNull();
    expect(nextAlarmAt(5000, null, 1000)).toBe(5000);
    expect(nextAlarmAt(5000, 3000, 1000)).toBeNull(); // an earlier alarm is set: it will re-plan
    expect(nextAlarmAt(2000, 3000, 1000)).toBe(2000); // something is due sooner
    expect(nextAlarmAt(1000, null, 1000)).toBe(1005); // due now: just after, not at, the instant
    expect(nextAlarmAt(4000, 1000 - 5000, 1000)).toBe(4000); // a stale alarm that never fired is replaced
  });
});

describe('status mapping', () => {
  it('shows retries as PENDING and the final failure as FAILED', () => {
    expect(userStatus('FAILED')).toBe('PENDING');
    expect(userStatus('DEAD')).toBe('FAILED');
    expect(userStatus('QUEUED')).toBe('PENDING');
    expect(userStatus('CANCELLED')).toBe('CANCELLED');
  });
});

describe('chooseJobs', () => {
  const agent = { id: 'a1', capabilities: new Set(['GENERAL']) };
  it('never hands a GPU job to a GENERAL-only agent, and does not let it block others', () => {
    const got = chooseJobs(
      [
        { id: 'gpu', requirement: 'GPU', affinityAgent: null },
        { id: 'cpu', requirement: 'GENERAL', affinityAgent: null },
      ],
      agent,
      () => true,
      2,
    );
    expect(got.map((c) => c.id)).toEqual(['cpu']);
  });
  it('holds an affinity job for its live parent node, releases it when that node is dead', () => {
    const c = [{ id: 'child', requirement: 'GENERAL', affinityAgent: 'a2' }];
    expect(chooseJobs(c, agent, () => true, 1)).toEqual([]);
    expect(chooseJobs(c, agent, () => false, 1).map((x) => x.id)).toEqual(['child']);
    expect(chooseJobs(c, { ...agent, id: 'a2' }, () => true, 1).map((x) => x.id)).toEqual(['child']);
  });
  it('merges per-capability queues by priority, then age', () => {
    const gpu = [{ id: 'g1', priority: 5, seq: 9 }, { id: 'g2', priority: 1, seq: 2 }];
    const cpu = [{ id: 'c1', priority: 5, seq: 3 }, { id: 'c2', priority: 1, seq: 1 }];
    expect(mergeByRank([gpu, cpu]).map((x) => x.id)).toEqual(['c1', 'g1', 'c2', 'g2']);
  });
  it('respects max', () => {
    const c = Array.from({ length: 5 }, (_, i) => ({ id: `j${i}`, requirement: 'GENERAL', affinityAgent: null }));
    expect(chooseJobs(c, agent, () => true, 3)).toHaveLength(3);
  });
});

describe('names and shards', () => {
  it('rejects path tricks', () => {
    for (const bad of ['../x', '..', '.', 'a/b', 'a\\b', 'x\u0000', '', 'a..b']) expect(isSafeName(bad)).toBe(false);
    for (const good of ['data.csv', 'project.zip', 'élan 漢.txt']) expect(isSafeName(good)).toBe(true);
    expect(isSafeRelativePath('src/main.py')).toBe(true);
    for (const bad of ['/etc/passwd', '../x', 'a/../../b', 'C:/x', 'a//b']) expect(isSafeRelativePath(bad)).toBe(false);
  });
  it('maps keys to stable shards in range', () => {
    expect(shardOf('alpha', 16)).toBe(shardOf('alpha', 16));
    const seen = new Set(Array.from({ length: 200 }, (_, i) => shardOf(`k${i}`, 16)));
    expect(seen.size).toBeGreaterThan(10);
    expect([...seen].every((s) => s >= 0 && s < 16)).toBe(true);
  });
});

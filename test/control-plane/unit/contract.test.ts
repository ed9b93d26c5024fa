import { describe, expect, it } from 'vitest';
import { FINAL_STATUSES, isBase64, isFinalStatus, isSafeName, isSafeRelativePath, JobSpec, JobState, TERMINAL_STATES, userStatus } from '../../../control-plane/src/contract';
import { shardOf } from '../../../control-plane/src/contract/shard';

describe('status mapping', () => {
  it('shows retries as PENDING and the final failure as FAILED', () => {
    expect(userStatus('FAILED')).toBe('PENDING');
    expect(userStatus('DEAD')).toBe('FAILED');
    expect(userStatus('QUEUED')).toBe('PENDING');
    expect(userStatus('CANCELLED')).toBe('CANCELLED');
  });
  it('maps exactly the terminal states to the final statuses', () => {
    for (const s of JobState.options) expect(isFinalStatus(userStatus(s))).toBe(TERMINAL_STATES.includes(s));
    expect([...FINAL_STATUSES].sort()).toEqual(['CANCELLED', 'COMPLETED', 'FAILED']);
  });
});

describe('base64', () => {
  it('takes the standard alphabet with trailing padding only', () => {
    for (const good of ['', 'cHJpbnQoMSk=', 'YQ==', 'a+b/']) expect(isBase64(good)).toBe(true);
    for (const bad of ['a-b_', 'YQ===', 'Y=Q=', 'cHJp bnQ=', 'é']) expect(isBase64(bad)).toBe(false);
  });
  it('is the rule JobSpec applies to payloadB64', () => {
    expect(JobSpec.safeParse({ file: 'x.py', payloadB64: 'YQ==' }).success).toBe(true);
    const r = JobSpec.safeParse({ file: 'x.py', payloadB64: 'a-b_' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].message).toBe('payloadB64 is not valid base64');
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

describe('one declaration per job field', () => {
  it('cuts the view and the lease from the stored job', async () => {
    const { JobView, StoredJob, LeasedJob } = await import('../../../control-plane/src/contract');
    expect(JobView.shape.priority).toBe(StoredJob.shape.priority);
    expect(LeasedJob.shape.env).toBe(StoredJob.shape.env);
    expect(LeasedJob.shape.run).toBe(JobView.shape.run);
    expect('env' in JobView.shape).toBe(false); // env stays between the scheduler and the agent
    expect(Object.keys(LeasedJob.shape).sort()).toEqual(['archive', 'args', 'assigned', 'attempt', 'dag', 'env', 'file', 'health', 'id', 'payloadHash', 'port', 'run', 'script', 'timeoutMs', 'type']);
    expect(JobView.shape.gpus).toBe(StoredJob.shape.gpus); // resource asks: declared once (contract/resources), spread into JobFields
  });
});

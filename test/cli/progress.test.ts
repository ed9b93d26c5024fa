import { describe, expect, it } from 'vitest';
import { isFinalStatus } from '../../control-plane/src/contract/jobs';
import { summarize } from '../../cli/progress';

describe('progress display', () => {
  it('summarizes progress', () => {
    expect(summarize({ a: 'COMPLETED', b: 'COMPLETED', c: 'RUNNING' })).toBe('✔completed 2  ▶running 1');
  });
  it('stops following on the final user statuses the contract defines', () => {
    expect(['COMPLETED', 'FAILED', 'CANCELLED'].every(isFinalStatus)).toBe(true);
    expect(['PENDING', 'RUNNING', 'WAITING_APPROVAL'].some(isFinalStatus)).toBe(false);
  });
});

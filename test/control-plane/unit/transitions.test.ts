import { describe, expect, it } from 'vitest';
import { assertTransition, canTransition } from '../../../control-plane/src/core/transitions';
import { JobState, TERMINAL_STATES } from '../../../control-plane/src/contract';

describe('state transitions', () => {
  it('allows only the designed transitions', () => {
    expect(canTransition('QUEUED', 'RUNNING')).toBe(true);
    expect(canTransition('COMPLETED', 'RUNNING')).toBe(false);
    expect(canTransition('PENDING', 'RUNNING')).toBe(false);
  });
  it('lets an ended job only start a new run', () => {
    for (const s of TERMINAL_STATES) for (const to of JobState.options) expect(canTransition(s, to)).toBe(to === 'PENDING');
  });
  it('re-queues a lost lease and a failed attempt, never a pending job past its parents', () => {
    expect(canTransition('RUNNING', 'QUEUED')).toBe(true);
    expect(canTransition('FAILED', 'QUEUED')).toBe(true);
    expect(canTransition('PENDING', 'QUEUED')).toBe(true);
    expect(canTransition('FAILED', 'RUNNING')).toBe(false);
  });
  it('ends a queued job by a late result of its lost lease', () => {
    for (const to of ['COMPLETED', 'FAILED', 'DEAD'] as const) expect(canTransition('QUEUED', to)).toBe(true);
    expect(canTransition('PENDING', 'COMPLETED')).toBe(false);
  });
  it('throws a clear error on an illegal move', () => {
    expect(() => assertTransition('job-1', 'CANCELLED', 'QUEUED')).toThrow('illegal transition of job job-1: CANCELLED -> QUEUED');
    expect(() => assertTransition('job-1', 'RUNNING', 'COMPLETED')).not.toThrow();
  });
});

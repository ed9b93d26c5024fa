import { describe, expect, it } from 'vitest';
import { promotion, type ParentFacts } from '../../../control-plane/src/core/promotion';

const parent = (id: string, over: Partial<ParentFacts> = {}): ParentFacts => ({ id, state: 'COMPLETED', type: 'RUN_PAYLOAD', serviceState: null, lastAgent: null, ...over });
const plain = { readyAt: null, affinity: false };

describe('promotion', () => {
  it('queues a job without parents, or with every parent completed', () => {
    expect(promotion(plain, [], 0)).toEqual({ kind: 'queue', affinityAgent: null });
    expect(promotion(plain, [parent('a'), parent('b')], 0)).toEqual({ kind: 'queue', affinityAgent: null });
  });
  it('waits for a parent still running or queued', () => {
    expect(promotion(plain, [parent('a'), parent('b', { state: 'RUNNING' })], 0)).toEqual({ kind: 'wait' });
    expect(promotion(plain, [parent('a', { state: 'FAILED' })], 0)).toEqual({ kind: 'wait' }); // a retry is coming
  });
  it('cancels when a parent failed for good or was cancelled, naming it', () => {
    expect(promotion(plain, [parent('a'), parent('b', { state: 'DEAD' })], 0)).toEqual({ kind: 'cancel', parent: 'b', note: 'parent b failed' });
    expect(promotion(plain, [parent('c', { state: 'CANCELLED' })], 0)).toEqual({ kind: 'cancel', parent: 'c', note: 'parent c was cancelled' });
  });
  it('cancels a doomed job even while it waits out its delay', () => {
    expect(promotion({ readyAt: 5000, affinity: false }, [parent('a', { state: 'DEAD' })], 0).kind).toBe('cancel');
  });
  it('holds a job until its delay has passed', () => {
    expect(promotion({ readyAt: 5000, affinity: false }, [], 4999)).toEqual({ kind: 'wait' });
    expect(promotion({ readyAt: 5000, affinity: false }, [], 5000).kind).toBe('queue');
  });
  it('lets a running service satisfy its children, but not one still starting', () => {
    const svc = (serviceState: string) => parent('s', { type: 'SERVICE', state: 'RUNNING', serviceState });
    expect(promotion(plain, [svc('running')], 0).kind).toBe('queue');
    expect(promotion(plain, [svc('starting')], 0).kind).toBe('wait');
    expect(promotion(plain, [parent('p', { state: 'RUNNING', serviceState: 'running' })], 0).kind).toBe('wait'); // not a service
  });
  it('pulls an affinity job to the first parent that has run somewhere', () => {
    const ps = [parent('a'), parent('b', { lastAgent: 'agent-2' }), parent('c', { lastAgent: 'agent-3' })];
    expect(promotion({ readyAt: null, affinity: true }, ps, 0)).toEqual({ kind: 'queue', affinityAgent: 'agent-2' });
    expect(promotion(plain, ps, 0)).toEqual({ kind: 'queue', affinityAgent: null });
  });
  it('pulls a job to the agent of the job it names (affinityTo) before any parent, with or without affinity', () => {
    const ps = [parent('a', { lastAgent: 'agent-2' })];
    expect(promotion({ ...plain, besideAgent: 'agent-9' }, ps, 0)).toEqual({ kind: 'queue', affinityAgent: 'agent-9' });
    expect(promotion({ readyAt: null, affinity: true, besideAgent: 'agent-9' }, ps, 0)).toEqual({ kind: 'queue', affinityAgent: 'agent-9' });
    // The named job never ran: parents decide as before.
    expect(promotion({ readyAt: null, affinity: true, besideAgent: null }, ps, 0)).toEqual({ kind: 'queue', affinityAgent: 'agent-2' });
  });
});

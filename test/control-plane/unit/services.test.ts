import { describe, expect, it } from 'vitest';
import { satisfiesChildren, serviceChange } from '../../../control-plane/src/core/services';

describe('service readiness', () => {
  it('counts a completed parent, or a running service that reports running', () => {
    expect(satisfiesChildren({ state: 'COMPLETED', type: 'RUN_PAYLOAD', serviceState: null })).toBe(true);
    expect(satisfiesChildren({ state: 'RUNNING', type: 'ARCHIVE_SERVICE', serviceState: 'running' })).toBe(true);
    expect(satisfiesChildren({ state: 'RUNNING', type: 'SERVICE', serviceState: 'restarting' })).toBe(false);
    expect(satisfiesChildren({ state: 'QUEUED', type: 'SERVICE', serviceState: 'running' })).toBe(false);
  });
  it('ignores reports for jobs no longer running, and reports that change nothing', () => {
    expect(serviceChange({ state: 'CANCELLED', serviceState: 'starting', restarts: 0 }, { state: 'running', restarts: 0 })).toBeNull();
    expect(serviceChange({ state: 'RUNNING', serviceState: 'running', restarts: 1 }, { state: 'running', restarts: 1 })).toBeNull();
  });
  it('notes a change of state with its restarts, and releases children once running', () => {
    expect(serviceChange({ state: 'RUNNING', serviceState: 'starting', restarts: 0 }, { state: 'running', restarts: 0 })).toEqual({ note: 'service running', releaseChildren: true });
    expect(serviceChange({ state: 'RUNNING', serviceState: 'running', restarts: 0 }, { state: 'restarting', restarts: 2 })).toEqual({ note: 'service restarting (restarts 2)', releaseChildren: false });
  });
  it('records a bare restart count without a history line', () => {
    expect(serviceChange({ state: 'RUNNING', serviceState: 'running', restarts: 1 }, { state: 'running', restarts: 2 })).toEqual({ note: null, releaseChildren: true });
  });
});

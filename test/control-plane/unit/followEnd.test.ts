import { describe, expect, it } from 'vitest';
import { followEnds } from '../../../control-plane/src/core/followEnd';

describe('when a log follow ends', () => {
  it('keeps following a running run', () => {
    expect(followEnds({ run: 1, terminal: false, leaseOpen: true }, 1, null, 0, 1000)).toBe(false);
  });
  it('waits for the lease to close after a cancel, so the last lines arrive first', () => {
    expect(followEnds({ run: 1, terminal: true, leaseOpen: true }, 1, 0, 500, 1000)).toBe(false);
    expect(followEnds({ run: 1, terminal: true, leaseOpen: false }, 1, 0, 500, 1000)).toBe(true);
  });
  it('ends after a bounded wait when the agent never closes the lease', () => {
    expect(followEnds({ run: 1, terminal: true, leaseOpen: true }, 1, 0, 1000, 1000)).toBe(true);
  });
  it('ends when the job is gone or a newer run started', () => {
    expect(followEnds(null, 1, null, 0, 1000)).toBe(true);
    expect(followEnds({ run: 2, terminal: false, leaseOpen: true }, 1, null, 0, 1000)).toBe(true);
  });
});

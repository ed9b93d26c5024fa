import { describe, expect, it } from 'vitest';
import { graceExpiries } from '../../../control-plane/src/core/restartGrace';

describe('restart grace', () => {
  it('gives every lease that would expire within the grace (or already did) the grace from now', () => {
    const now = 100_000;
    const out = graceExpiries(
      [
        { id: 'expired-long-ago', expiresAt: 1_000 },
        { id: 'expires-soon', expiresAt: now + 500 },
        { id: 'good-for-longer', expiresAt: now + 60_000 },
      ],
      now,
      30_000,
    );
    expect(out).toEqual([
      { id: 'expired-long-ago', expiresAt: now + 30_000 },
      { id: 'expires-soon', expiresAt: now + 30_000 },
    ]);
  });
  it('leaves nothing to do without leases', () => {
    expect(graceExpiries([], 5, 10)).toEqual([]);
  });
});

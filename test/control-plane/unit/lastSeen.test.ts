import { describe, expect, it } from 'vitest';
import { LAST_SEEN_MAX_STALE_MS, lastSeenDue } from '../../../control-plane/src/core/lastSeen';

describe('lastSeenDue', () => {
  it('skips a stamp younger than a second with the default silence window', () => {
    expect(lastSeenDue(10_000, 10_000, 60_000)).toBe(false);
    expect(lastSeenDue(10_000, 10_999, 60_000)).toBe(false);
    expect(lastSeenDue(10_000, 10_000 + LAST_SEEN_MAX_STALE_MS, 60_000)).toBe(true);
  });

  it('keeps the stamp within a tenth of a short silence window', () => {
    expect(lastSeenDue(0, 49, 500)).toBe(false);
    expect(lastSeenDue(0, 50, 500)).toBe(true);
  });

  it('writes every time when the window is tiny', () => {
    expect(lastSeenDue(0, 1, 1)).toBe(true);
  });

  it('does not write a stamp from the future (clock stepped back) until time catches up', () => {
    expect(lastSeenDue(20_000, 19_000, 60_000)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { nextAlarmAt } from '../../../control-plane/src/core/alarm';

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

import { describe, expect, it } from 'vitest';
import { formatTable } from './report';

describe('chaos summary table', () => {
  it('one row per case and the totals, numbers right-aligned', () => {
    const t = formatTable([
      { case: 'agent SIGKILL', faults: 1, jobs: 20, executions: 24, inputs: 0, lines: 0, lost: 0, duplicated: 0, notes: '4 slots' },
      { case: 'fuzz frames', faults: 0, jobs: 0, executions: 0, inputs: 3000, lines: 0, lost: 0, duplicated: 1 },
    ]).split('\n');
    expect(t).toHaveLength(4);
    expect(t[0]).toMatch(/^case\s+faults\s+jobs\s+executions\s+inputs\s+lines\s+lost\s+duplicated\s+notes$/);
    expect(t[3]).toMatch(/^TOTAL\s+1\s+20\s+24\s+3000\s+0\s+0\s+1$/);
    expect(t[1]).toContain('4 slots');
  });
});

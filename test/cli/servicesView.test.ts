import { describe, expect, it } from 'vitest';
import { servicesTable } from '../../cli/commands/listViews';

describe('titan services table', () => {
  it('shows agent, port, state, health, restarts and last exit, and says a crash loop', () => {
    const out = servicesTable([
      { id: 'web', agentId: 'a1', node: 'box-1', port: 8080, state: 'running', restarts: 2, health: 'healthy', lastExit: 'unhealthy: 3 failed checks', crashLoop: false },
      { id: 'flaky', agentId: 'a2', node: null, port: 0, state: 'restarting', restarts: 7, health: 'unknown', lastExit: 'code 1', crashLoop: true },
    ]);
    expect(out.split('\n')).toEqual([
      'ID     AGENT  PORT  STATE                  HEALTH   RESTARTS  LAST EXIT',
      'web    box-1  8080  running                healthy  2         unhealthy: 3 failed checks',
      'flaky  a2     -     restarting CRASH-LOOP  -        7         code 1',
    ]);
    expect(servicesTable([])).toBe('no services');
  });
});

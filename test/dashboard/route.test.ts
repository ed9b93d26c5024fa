import { describe, expect, it } from 'vitest';
import { parseHash } from '../../control-plane/src/dashboard/app/route';
import { gateKey, HITL_PREFIX, isOpenGate } from '../../control-plane/src/dashboard/app/gates';
import { jobHref } from '../../control-plane/src/dashboard/app/format';

describe('parseHash', () => {
  it('reads the section and the item of a detail page', () => {
    expect(parseHash('')).toEqual({ section: '', id: '' });
    expect(parseHash('#/')).toEqual({ section: '', id: '' });
    expect(parseHash('#/jobs')).toEqual({ section: 'jobs', id: '' });
    expect(parseHash('#/dags/DAG-1')).toEqual({ section: 'dags', id: 'DAG-1' });
    expect(parseHash('#/store/ignored')).toEqual({ section: 'store', id: '' });
  });

  it('decodes ids, so what jobHref writes comes back unchanged', () => {
    for (const id of ['a b', 'x/y', 'é%', '#?&']) expect(parseHash(jobHref(id))).toEqual({ section: 'jobs', id });
  });

  it('falls back to the overview for unknown sections and keeps malformed escapes literally', () => {
    expect(parseHash('#/nope/1')).toEqual({ section: '', id: '' });
    expect(parseHash('#/jobs/%E0%A4%A')).toEqual({ section: 'jobs', id: '%E0%A4%A' });
  });
});

describe('gates', () => {
  it('isOpenGate', () => {
    expect(isOpenGate('PENDING')).toBe(true);
    expect(isOpenGate('')).toBe(true);
    expect(isOpenGate('APPROVED')).toBe(false);
    expect(isOpenGate('REJECTED')).toBe(false);
    expect(isOpenGate(null)).toBe(false);
  });

  it('gateKey accepts a gate id or its whole store key', () => {
    expect(gateKey('hitl-gate-a')).toBe(`${HITL_PREFIX}hitl-gate-a`);
    expect(gateKey(`${HITL_PREFIX}hitl-gate-a`)).toBe(`${HITL_PREFIX}hitl-gate-a`);
  });
});

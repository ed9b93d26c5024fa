import { describe, expect, it } from 'vitest';
import { parseHash } from '../../control-plane/src/dashboard/app/route';
import { jobHref } from '../../control-plane/src/dashboard/app/format';

describe('parseHash', () => {
  it('reads the section and the item of a detail page', () => {
    expect(parseHash('')).toEqual({ section: '', id: '' });
    expect(parseHash('#/')).toEqual({ section: '', id: '' });
    expect(parseHash('#/jobs')).toEqual({ section: 'jobs', id: '' });
    expect(parseHash('#/dags/DAG-1')).toEqual({ section: 'dags', id: 'DAG-1' });
    expect(parseHash('#/store/ignored')).toEqual({ section: 'store', id: '' });
    expect(parseHash('#/schedules')).toEqual({ section: 'schedules', id: '' });
  });

  it('decodes ids, so what jobHref writes comes back unchanged', () => {
    for (const id of ['a b', 'x/y', 'é%', '#?&']) expect(parseHash(jobHref(id))).toEqual({ section: 'jobs', id });
  });

  it('falls back to the overview for unknown sections and keeps malformed escapes literally', () => {
    expect(parseHash('#/nope/1')).toEqual({ section: '', id: '' });
    expect(parseHash('#/jobs/%E0%A4%A')).toEqual({ section: 'jobs', id: '%E0%A4%A' });
  });
});


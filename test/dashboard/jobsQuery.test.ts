import { describe, expect, it } from 'vitest';
import { clampOffset, jobsHash, listJobsQuery, pageLinks, pageSummary, parseJobsHash } from '../../control-plane/src/dashboard/app/jobsQuery';
import { parseHash } from '../../control-plane/src/dashboard/app/route';

describe('the jobs address', () => {
  it('round-trips a query, leaving defaults out', () => {
    const q = { state: 'FAILED' as const, q: 'train & eval #2', offset: 400 };
    expect(jobsHash(q)).toBe('#/jobs?state=FAILED&q=train+%26+eval+%232&offset=400');
    expect(parseJobsHash(jobsHash(q))).toEqual(q);
    expect(jobsHash({ state: undefined, q: '', offset: 0 })).toBe('#/jobs');
    expect(parseJobsHash('#/jobs')).toEqual({ state: undefined, q: '', offset: 0 });
  });

  it('takes defaults for malformed parts', () => {
    expect(parseJobsHash('#/jobs?state=NOPE&offset=-5')).toEqual({ state: undefined, q: '', offset: 0 });
    expect(parseJobsHash('#/jobs?offset=1.5').offset).toBe(0);
    expect(parseJobsHash('#/jobs?offset=99999999').offset).toBe(1_000_000);
    expect(parseJobsHash(`#/jobs?q=${'x'.repeat(300)}`).q).toHaveLength(200);
  });

  it('still routes to the jobs list, and job ids with ? stay whole', () => {
    expect(parseHash('#/jobs?q=abc&offset=200')).toEqual({ section: 'jobs', id: '' });
    expect(parseHash(`#/jobs/${encodeURIComponent('a?b')}`)).toEqual({ section: 'jobs', id: 'a?b' });
  });

  it('asks the API with the search trimmed, or without one', () => {
    expect(listJobsQuery({ state: 'RUNNING', q: '  gpu ', offset: 200 })).toEqual({ limit: 200, offset: 200, state: 'RUNNING', q: 'gpu' });
    expect(listJobsQuery({ state: undefined, q: '   ', offset: 0 })).toEqual({ limit: 200, offset: 0, state: undefined });
  });
});

describe('paging', () => {
  it('says how much of the total is shown', () => {
    expect(pageSummary(0, 3, 3)).toBe('3 jobs');
    expect(pageSummary(0, 1, 1)).toBe('1 job');
    expect(pageSummary(0, 0, 0)).toBe('0 jobs');
    expect(pageSummary(0, 200, 1234)).toBe('Showing 1–200 of 1234 jobs');
    expect(pageSummary(1200, 34, 1234)).toBe('Showing 1201–1234 of 1234 jobs');
  });

  it('links the neighbouring pages where they exist', () => {
    expect(pageLinks(0, 150)).toEqual({ prev: null, next: null });
    expect(pageLinks(0, 450)).toEqual({ prev: null, next: 200 });
    expect(pageLinks(200, 450)).toEqual({ prev: 0, next: 400 });
    expect(pageLinks(400, 450)).toEqual({ prev: 200, next: null });
    expect(pageLinks(50, 450, 100)).toEqual({ prev: 0, next: 150 });
  });

  it('moves a page past the end to the last page', () => {
    expect(clampOffset(600, 450)).toBe(400);
    expect(clampOffset(400, 400)).toBe(200);
    expect(clampOffset(200, 0)).toBe(0);
    expect(clampOffset(200, 450)).toBe(200);
  });
});

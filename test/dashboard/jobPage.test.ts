import { describe, expect, it } from 'vitest';
import { TitanApiError } from '../../control-plane/src/contract/call';
import { isUnknownJob, jobButtons } from '../../control-plane/src/dashboard/app/jobPage';

describe('jobButtons', () => {
  it('offers Cancel while a job can still run, Retry once it has ended, Stop for a live service', () => {
    expect(jobButtons({ state: 'RUNNING', service: null })).toEqual({ cancel: true, retry: false, stop: false });
    expect(jobButtons({ state: 'QUEUED', service: null })).toEqual({ cancel: true, retry: false, stop: false });
    expect(jobButtons({ state: 'DEAD', service: null })).toEqual({ cancel: false, retry: true, stop: false });
    expect(jobButtons({ state: 'RUNNING', service: { state: 'running', restarts: 0 } as never })).toEqual({ cancel: true, retry: false, stop: true });
  });

  it('offers nothing for an unknown (or not yet loaded) job', () => {
    expect(jobButtons(null)).toEqual({ cancel: false, retry: false, stop: false });
  });
});

describe('isUnknownJob', () => {
  it('is a 404 from the API only: other errors are worth polling through', () => {
    expect(isUnknownJob(new TitanApiError(404, 'not_found', 'no job x'))).toBe(true);
    expect(isUnknownJob(new TitanApiError(503, 'unavailable', 'busy'))).toBe(false);
    expect(isUnknownJob(new TypeError('fetch failed'))).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import type { JobState } from '../../control-plane/src/contract/jobs';
import { confirmText, dagActionTargets, outcomeText } from '../../control-plane/src/dashboard/app/dagActions';

const j = (id: string, state: JobState, run = 1) => ({ id, state, run });

describe('dagActionTargets', () => {
  it('cancels what has not ended and retries what failed or was cancelled', () => {
    const jobs = [j('done', 'COMPLETED'), j('run', 'RUNNING'), j('wait', 'PENDING'), j('backoff', 'FAILED'), j('dead', 'DEAD'), j('cut', 'CANCELLED'), j('q', 'QUEUED')];
    expect(dagActionTargets(jobs)).toEqual({ cancel: ['run', 'wait', 'backoff', 'q'], retry: ['dead', 'cut'] });
  });

  it('offers nothing for a DAG that completed', () => {
    expect(dagActionTargets([j('a', 'COMPLETED'), j('b', 'COMPLETED')])).toEqual({ cancel: [], retry: [] });
  });
});

describe('confirmText', () => {
  it('names the DAG and how many jobs are concerned', () => {
    expect(confirmText('cancel', 'nightly', ['a', 'b'])).toMatch(/^Cancel DAG nightly\? 2 jobs not ended yet will be cancelled/);
    expect(confirmText('cancel', 'nightly', ['a'])).toMatch(/^Cancel DAG nightly\? 1 job not ended yet/);
    expect(confirmText('retry', 'nightly', ['a'])).toMatch(/^Retry the failed part of DAG nightly\? Failed or cancelled: 1 job\. /);
  });
});

describe('outcomeText', () => {
  it('counts the jobs newly cancelled', () => {
    const before = [j('a', 'COMPLETED'), j('b', 'RUNNING'), j('c', 'PENDING'), j('old', 'CANCELLED')];
    const after = [j('a', 'COMPLETED'), j('b', 'CANCELLED'), j('c', 'CANCELLED'), j('old', 'CANCELLED')];
    expect(outcomeText('cancel', before, after)).toBe('Cancel DAG: done — 2 jobs cancelled (b, c).');
  });

  it('counts the jobs given a new run, and shortens a long list', () => {
    const ids = ['f', 'g', 'h', 'i', 'k', 'l', 'm'];
    const before = [j('ok', 'COMPLETED'), ...ids.map((id) => j(id, 'DEAD', 2))];
    const after = [j('ok', 'COMPLETED'), ...ids.map((id) => j(id, 'PENDING', 3))];
    expect(outcomeText('retry', before, after)).toBe('Retry failed part: done — 7 jobs running again (f, g, h, i, k and 2 more).');
    expect(outcomeText('retry', before, before)).toBe('Retry failed part: done — 0 jobs running again.');
  });
});

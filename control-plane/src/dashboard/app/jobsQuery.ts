/**
 * The jobs page's query (state filter, search text, page) and its place in the address
 * (`#/jobs?state=FAILED&q=train&offset=200`), so a page can be linked. Pure, unit-tested.
 */
import { JobState } from '../../contract/jobs';

export const JOBS_PAGE_SIZE = 200;
/** The API's bounds (ListJobsQuery): longer search text or a larger offset would be refused. */
const MAX_Q = 200;
const MAX_OFFSET = 1_000_000;

export interface JobsQuery {
  state: JobState | undefined;
  q: string;
  offset: number;
}

/** The query a jobs address carries; anything missing or malformed takes its default. */
export function parseJobsHash(hash: string): JobsQuery {
  const at = hash.indexOf('?');
  const params = new URLSearchParams(at < 0 ? '' : hash.slice(at + 1));
  const offset = Number(params.get('offset') ?? 0);
  return {
    state: JobState.safeParse(params.get('state')).data,
    q: (params.get('q') ?? '').slice(0, MAX_Q),
    offset: Number.isInteger(offset) && offset > 0 ? Math.min(offset, MAX_OFFSET) : 0,
  };
}

/** The address of a query: defaults are left out, so the plain page stays `#/jobs`. */
export function jobsHash(query: JobsQuery): string {
  const params = new URLSearchParams();
  if (query.state) params.set('state', query.state);
  if (query.q) params.set('q', query.q);
  if (query.offset > 0) params.set('offset', String(query.offset));
  const s = params.toString();
  return s ? `#/jobs?${s}` : '#/jobs';
}

/** What the API is asked for: the search text trimmed, and left out when empty. */
export function listJobsQuery(query: JobsQuery, limit = JOBS_PAGE_SIZE) {
  const q = query.q.trim();
  return { limit, offset: query.offset, state: query.state, ...(q ? { q } : {}) };
}

/** `3 jobs`, or `Showing 201–400 of 1234 jobs` when the page holds only part of them. */
export function pageSummary(offset: number, shown: number, total: number): string {
  const noun = total === 1 ? 'job' : 'jobs';
  if (offset === 0 && shown >= total) return `${total} ${noun}`;
  if (shown === 0) return `Nothing past ${offset} of ${total} ${noun}`;
  return `Showing ${offset + 1}–${offset + shown} of ${total} ${noun}`;
}

/** Where the previous and next buttons lead; null where there is no such page. */
export function pageLinks(offset: number, total: number, size = JOBS_PAGE_SIZE): { prev: number | null; next: number | null } {
  return { prev: offset > 0 ? Math.max(0, Math.min(offset, total) - size) : null, next: offset + size < total ? offset + size : null };
}

/** A page past the end (jobs were deleted, or an old link) moves to the last page there is. */
export function clampOffset(offset: number, total: number, size = JOBS_PAGE_SIZE): number {
  if (offset < total || offset === 0) return offset;
  return total === 0 ? 0 : Math.floor((total - 1) / size) * size;
}

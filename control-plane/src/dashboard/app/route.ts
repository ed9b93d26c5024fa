/** Hash routes (`#/jobs/<id>`): which section and which item, as a pure function. */

export type Section = '' | 'dags' | 'jobs' | 'services' | 'store' | 'approvals' | 'schedules';
const SECTIONS: readonly string[] = ['', 'dags', 'jobs', 'services', 'store', 'approvals', 'schedules'];

export interface Route {
  /** The nav entry to highlight ('' is the cluster overview). */
  section: Section;
  /** The item of a detail page (`#/dags/<id>`, `#/jobs/<id>`), decoded; '' on list pages. */
  id: string;
}

/** A list page's options follow a `?` (`#/jobs?q=train`); ids are encoded, so a `?` never belongs to one. */
export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('?')[0].split('/').filter(Boolean).map(safeDecode);
  const first = parts[0] ?? '';
  const section = (SECTIONS.includes(first) ? first : '') as Section;
  return { section, id: section === 'dags' || section === 'jobs' ? (parts[1] ?? '') : '' };
}

/** A malformed escape (`%E0%A4%A`) is taken literally rather than breaking navigation. */
function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

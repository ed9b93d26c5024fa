/** Small renderers shared by the views: links, badges, times. */
import { html, type Html } from './html';

export const jobHref = (id: string) => `#/jobs/${encodeURIComponent(id)}`;
export const dagHref = (id: string) => `#/dags/${encodeURIComponent(id)}`;

/** A timestamp in the reader's locale; a dash when there is none. */
export const time = (ts: number | null) => (ts === null ? '–' : new Date(ts).toLocaleString());

/** A status (or scheduler state) as a coloured pill; the CSS has a class per status. */
export const badge = (status: string): Html => html`<span class="badge st-${status}">${status}</span>`;

/** `{ RUNNING: 2, COMPLETED: 5 }` as one pill per status. */
export function countsChips(counts: Record<string, number>): Html {
  return html`${Object.entries(counts).map(([st, n], i) => html`${i > 0 && ' '}<span class="badge st-${st}">${st} ${n}</span>`)}`;
}

export const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

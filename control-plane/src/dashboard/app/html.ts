/**
 * Markup from a tagged template that escapes every interpolated value unless it is already markup.
 * Views build all HTML with `html`, so user data (job ids, log lines, store keys and values) can
 * never become markup by accident; the page's strict CSP is the second line of defence.
 */

/** Markup that is safe to insert: built by `html`, or declared trusted with `raw`. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** Escape text for element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Trusted markup, inserted as is: only for constant strings written in this code base. */
export function raw(markup: string): Html {
  return new Html(markup);
}

/**
 * Nested `Html` goes in unchanged, arrays are joined (for `.map(...)`), `null`, `undefined` and
 * `false` leave nothing (for `${cond && html`…`}`), and anything else is escaped text.
 */
function fragment(value: unknown): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(fragment).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(value);
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += fragment(values[i]) + strings[i + 1];
  return new Html(out);
}

/** The one place markup enters the DOM. */
export function setHtml(el: Element, content: Html): void {
  el.innerHTML = content.text;
}

/** DOM access shared by the shell and the views. */

// `as unknown`: the Worker's type library also declares DOM-like names that confuse direct casts.
export const byId = <T = HTMLElement>(id: string) => document.getElementById(id) as unknown as T;

/** Report the outcome of an action next to its button. */
export function say(el: HTMLElement, text: string, ok: boolean): void {
  el.textContent = text;
  el.className = `result ${ok ? 'ok' : 'bad'}`;
}

/** The closest ancestor of an event's target matching `selector` (event delegation). */
export function closest<T extends Element = HTMLButtonElement>(ev: Event, selector: string): T | null {
  return (ev.target as Element | null)?.closest(selector) as T | null;
}

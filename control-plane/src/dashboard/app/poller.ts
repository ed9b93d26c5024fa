/**
 * The refresh loop: the current view refreshes every second (and right after actions), one
 * refresh at a time; the header says live / offline / error.
 */
import { AuthError } from './api';
import { byId } from './dom';
import { errorText } from './format';
import type { View } from './view';

export const POLL_MS = 1000;

/** `current()` is the view on screen, or null while signed out. */
export function createPoller(current: () => View | null): { tick(): Promise<void> } {
  let busy = false;
  let again = false; // a tick asked for while one runs (a route change, a click) runs right after it

  async function tick(): Promise<void> {
    const view = current();
    if (!view) return;
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    const conn = byId('conn');
    const problem = byId('view-error');
    try {
      await view.refresh();
      if (view !== current()) return; // the user moved on meanwhile; the next view reports for itself
      conn.textContent = 'live';
      conn.className = 'conn ok';
      problem.hidden = true;
    } catch (e) {
      if (!(e instanceof AuthError) && view === current()) {
        const offline = e instanceof TypeError; // fetch itself failed: the control plane is unreachable
        conn.textContent = offline ? 'offline' : 'error';
        conn.className = 'conn bad';
        problem.textContent = offline ? 'The control plane is not reachable; retrying every second.' : errorText(e);
        problem.hidden = false;
      }
    } finally {
      busy = false;
      if (again) {
        again = false;
        void tick();
      }
    }
  }
  return { tick };
}

/** Polling renders only when something changed, so the DOM (selection, scroll) stays put between polls. */

/** Remembers the last rendered data: true when `key` differs from the previous call's. */
export function memo(): (key: unknown) => boolean {
  let last = '';
  return (key) => {
    const k = JSON.stringify(key);
    if (k === last) return false;
    last = k;
    return true;
  };
}

/** While something runs its clock moves: fold the current second into the memo key. */
export const clock = (jobs: readonly { status: string }[], now = Date.now()) => (jobs.some((j) => j.status === 'RUNNING') ? Math.floor(now / 1000) : 0);

/**
 * Exponential backoff with jitter: `base * 2^attempt`, capped, then a random point in the
 * upper half, so many agents reconnecting at once spread out yet never retry instantly.
 */
export function backoffDelay(attempt: number, opts: { baseMs?: number; capMs?: number; random?: () => number } = {}): number {
  const base = opts.baseMs ?? 250;
  const cap = opts.capMs ?? 10_000;
  const top = Math.min(cap, base * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.round(top / 2 + ((opts.random ?? Math.random)() * top) / 2);
}

/** A sleep that `wake()` (or an abort) can end early: loops stay responsive to "try now". */
export class Waker {
  private wakers = new Set<() => void>();
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }
  wake(): void {
    for (const w of [...this.wakers]) w();
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Requests held open until what they wait for has ended (a job reached a final status), or their
 * wait runs out: clients learn of an end at once instead of polling for it.
 */
export class EndWaiters<T> {
  private readonly byKey = new Map<string, Set<(value: T) => void>>();

  /** `ended(key)`: its value once ended, else null (a row read: asked after each change that may have ended it). `current(key)`: its value now (at timeout). */
  constructor(
    private readonly ended: (key: string) => T | null,
    private readonly current: (key: string) => T,
  ) {}

  get size(): number {
    return this.byKey.size;
  }

  wait(key: string, waitMs: number): Promise<T> {
    const now = this.ended(key);
    if (now !== null || waitMs <= 0) return Promise.resolve(now ?? this.current(key));
    return new Promise((resolve) => {
      const held = this.byKey.get(key) ?? new Set();
      this.byKey.set(key, held);
      const answer = (value: T) => {
        clearTimeout(timer);
        held.delete(answer);
        if (!held.size) this.byKey.delete(key);
        resolve(value);
      };
      const timer = setTimeout(() => answer(this.current(key)), waitMs);
      held.add(answer);
    });
  }

  /** After a change: answer everyone waiting on a key of `changed` (what may have ended since) that has ended; one probe per such key. */
  check(changed: Iterable<string>): void {
    for (const key of changed) {
      const held = this.byKey.get(key);
      const value = held ? this.ended(key) : null;
      if (held && value !== null) for (const answer of [...held]) answer(value);
    }
  }
}

/**
 * Requests held open until what they wait for has ended (a job reached a final status), or their
 * wait runs out: clients learn of an end at once instead of polling for it.
 */
export class EndWaiters<T> {
  private readonly byKey = new Map<string, Set<(value: T) => void>>();

  /** `ended(key)`: its value once ended, else null (asked after every change: keep it a row read). `current(key)`: its value now (at timeout). */
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

  /** After a change: answer everyone whose key has ended (one probe per key waited on). */
  check(): void {
    for (const [key, held] of this.byKey) {
      const value = this.ended(key);
      if (value !== null) for (const answer of [...held]) answer(value);
    }
  }
}

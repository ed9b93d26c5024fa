/** The one graph walk behind cascade-cancel and rerun: which descendants of a job to act on. */

export interface Reached<T> {
  /** What `take` returned for this descendant (typically its row). */
  item: T;
  /** The parent through which it was first reached. */
  via: string;
}

/**
 * Breadth-first from `root` through `childrenOf`; each descendant is offered to `take` once, and
 * only those it accepts (a non-undefined result) are returned and walked further. The result lists
 * parents before children, so acting on it in order never touches a child before its parent.
 */
export function descendants<T>(root: string, childrenOf: (id: string) => readonly string[], take: (id: string) => T | undefined): Reached<T>[] {
  const out: Reached<T>[] = [];
  const seen = new Set([root]);
  const queue = [root];
  for (let i = 0; i < queue.length; i++) {
    const cur = queue[i];
    for (const child of childrenOf(cur)) {
      if (seen.has(child)) continue;
      seen.add(child);
      const item = take(child);
      if (item === undefined) continue;
      out.push({ item, via: cur });
      queue.push(child);
    }
  }
  return out;
}

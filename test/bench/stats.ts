/** Percentile of a sample (nearest-rank). */
export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** Run `fn` from `concurrency` workers until `total` calls are done; returns calls per second. */
export async function throughput(total: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await fn(next++);
    }),
  );
  return total / ((performance.now() - t0) / 1000);
}

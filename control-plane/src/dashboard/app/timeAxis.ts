/** Time axes shared by the run timeline and the live charts: tick spacing and tick labels. Pure. */

/** Tick spacings a reader can add up: 100 ms … 1 day. */
const STEPS = [100, 200, 500, 1e3, 2e3, 5e3, 10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1800e3, 3600e3, 7200e3, 10800e3, 21600e3, 43200e3, 86400e3];

/** The smallest step that leaves at most `maxTicks` intervals over `span`. */
export function tickStep(span: number, maxTicks: number): number {
  const n = Math.max(1, maxTicks);
  const day = STEPS[STEPS.length - 1];
  return STEPS.find((s) => span / s <= n) ?? day * Math.ceil(span / (day * n));
}

/** A span of time as a tick label: `0`, `0.5s`, `45s`, `2m`, `1m30s`, `1h`, `2h30m`. */
export function offsetLabel(ms: number): string {
  if (ms === 0) return '0';
  if (ms < 1000) return `${ms / 1000}s`;
  if (ms < 60e3) return `${Math.round(ms / 100) / 10}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return s % 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s / 60}m`;
  const m = Math.round(s / 60);
  return m % 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m / 60}h`;
}

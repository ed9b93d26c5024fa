// The comparison with Ray: our figures beside Ray's on the same workloads, and their ratios (pure).
import type { Workloads } from '../agent/bench';
import { round } from './stats';

export interface RayFigures {
  ray_version: string;
  python: string;
  init_ms: number;
  subprocess: Workloads;
  native: Workloads;
}

export const WORKLOADS: readonly [keyof Workloads, string][] = [
  ['independent100_ms', '100 independent trivial jobs, 4 slots (ms)'],
  ['chain20_ms', '20-job chain (ms)'],
  ['single_p50_ms', 'one job, submit → COMPLETED, p50 (ms)'],
  ['fan50_join_ms', '50 parallel + join (ms)'],
];

/** ours / theirs, 2 decimals: above 1 we are slower. */
const ratio = (ours: number, theirs: number) => (theirs > 0 ? round(ours / theirs) : NaN);

/**
 * Figures (`<workload>_ours_over_ray_sub`: ours over Ray's subprocess form) and a table with every
 * figure of both sides and both ratios.
 * Without Ray (`ray` null) the table has our column only and `why` says what happened.
 */
export function compareWithRay(ours: Workloads, ray: RayFigures | null, why = ''): { figures: Record<string, number | string>; table: string[] } {
  const figures: Record<string, number | string> = {};
  const head = ['workload'.padEnd(44), 'ours'.padStart(9), 'ray-sub'.padStart(9), 'ray-native'.padStart(11), 'ours/sub'.padStart(9), 'ours/native'.padStart(12)];
  const table = [head.join('')];
  for (const [key, label] of WORKLOADS) {
    const name = key.replace(/_ms$/, '');
    const row = [label.padEnd(44), String(ours[key]).padStart(9)];
    if (ray) {
      const sub = ray.subprocess[key];
      const native = ray.native[key];
      figures[`${name}_ours_over_ray_sub`] = ratio(ours[key], sub);
      row.push(String(sub).padStart(9), String(native).padStart(11), String(ratio(ours[key], sub)).padStart(9), String(ratio(ours[key], native)).padStart(12));
    } else {
      row.push('—'.padStart(9), '—'.padStart(11));
    }
    table.push(row.join(''));
  }
  if (ray) table.push(`Ray ${ray.ray_version} (init ${ray.init_ms} ms, not counted), python ${ray.python}`);
  else table.push(`Ray: not measured — ${why}`);
  return { figures, table };
}

import { isFinalStatus } from '../control-plane/src/contract/jobs';
import type { TitanHttpClient } from '../sdk/ts/client';

const MARK: Record<string, string> = { PENDING: '·', RUNNING: '▶', COMPLETED: '✔', FAILED: '✘', CANCELLED: '⊘', WAITING_APPROVAL: '?' };

/** One summary line of a set of job statuses (pure, for the live display). */
export function summarize(statuses: Record<string, string>): string {
  const counts: Record<string, number> = {};
  for (const s of Object.values(statuses)) counts[s] = (counts[s] ?? 0) + 1;
  return Object.entries(counts)
    .sort()
    .map(([s, n]) => `${MARK[s] ?? ''}${s.toLowerCase()} ${n}`)
    .join('  ');
}

/**
 * Follow jobs until all have ended, printing a line whenever a job changes status.
 * Returns the final statuses.
 */
export async function followJobs(client: TitanHttpClient, ids: string[], out: (line: string) => void, pollMs = 250, timeoutMs = 0): Promise<Record<string, string>> {
  const statuses: Record<string, string> = {};
  const started = Date.now();
  for (;;) {
    const views = await Promise.all(ids.map((id) => client.findJob(id)));
    let changed = false;
    views.forEach((v, i) => {
      const s = v?.status ?? 'UNKNOWN';
      if (statuses[ids[i]] !== s) {
        statuses[ids[i]] = s;
        changed = true;
        const dur = v?.startedAt && v.finishedAt ? ` (${((v.finishedAt - v.startedAt) / 1000).toFixed(2)} s)` : '';
        out(`  ${MARK[s] ?? ' '} ${ids[i]}  ${s}${dur}`);
      }
    });
    if (changed) out(`  ${summarize(statuses)}`);
    if (Object.values(statuses).every((s) => isFinalStatus(s) || s === 'UNKNOWN')) return statuses;
    if (timeoutMs && Date.now() - started > timeoutMs) throw new Error(`gave up waiting after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

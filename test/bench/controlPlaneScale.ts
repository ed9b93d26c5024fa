// The control plane alone at scale (test/bench/logScale.ts: simulated agents over HTTP, no Python):
// workerd's RSS after N trivial jobs and after an idle wait, disk per ended job at rest, log appends.
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export async function benchControlPlaneScale(): Promise<Record<string, number>> {
  const jobs = Number(process.env.BENCH_CP_SCALE_JOBS ?? 50_000);
  const script = fileURLToPath(new URL('./logScale.ts', import.meta.url));
  // Idle recycling after 10 s of quiet instead of the default 10 min, so the idle reading at 45 s
  // shows it (the log shards' retention sweeps keep workerd busy for the first ~10 s).
  const env = { ...process.env, TITAN_IDLE_RECYCLE_MS: '10000' };
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, '--jobs', String(jobs), '--idle', '45', '--checkpoints', String(jobs)], { timeout: 900_000, maxBuffer: 16 << 20, env });
  const rows = stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, number | string>);
  const at = (label: string) => rows.find((r) => r.at === label) ?? {};
  const appends = rows.find((r) => 'append_first_batch_ms_p50' in r) ?? {};
  const done = at(`after ${jobs} jobs`);
  const idle = rows.filter((r) => String(r.at).startsWith('idle')).pop() ?? {};
  const state = rows.find((r) => 'stateDir' in r)?.stateDir;
  if (typeof state === 'string') rmSync(state, { recursive: true, force: true });
  const k = `cp${Math.round(jobs / 1000)}k`;
  return {
    [`${k}_jobs_per_s`]: Number(done.jobs_per_s),
    [`${k}_workerd_rss_mb`]: Number(done.workerd_rss_mb),
    [`${k}_workerd_rss_idle_45s_mb`]: Number(idle.workerd_rss_mb),
    [`${k}_disk_per_job_bytes_at_rest`]: Number(idle.disk_per_job_bytes),
    log_append_first_batch_p50_ms: Number(appends.append_first_batch_ms_p50),
    log_append_later_batch_p50_ms: Number(appends.append_later_batch_ms_p50),
  };
}

/**
 * Lines for a job's log that no agent writes: an approval's story. A GATE's lines are its output (they
 * stand in for the original SDK's gate script, whose printout its users read); any other job's are
 * system notes. Seqs start at 1 (log reads begin after seq 0); agents' own lines start far above.
 */
import { isGate, type JobType } from '../contract/jobs';
import type { Env } from '../env';
import { logsOf } from './stub';

export async function appendSystemLines(env: Env, job: { id: string; run: number; type: JobType }, firstSeq: number, texts: string[]): Promise<void> {
  const ts = Date.now();
  const stream = isGate(job.type) ? ('stdout' as const) : ('system' as const);
  const lines = texts.map((text, i) => ({ seq: firstSeq + i, ts, stream, text }));
  try {
    await logsOf(env, job.id).append(job.id, job.run, lines);
  } catch (err) {
    console.warn(`titan: log of ${job.id}: ${(err as Error).message}`);
  }
}

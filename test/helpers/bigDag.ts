import type { JobSpecInput } from '../../control-plane/src/contract/jobs';

/**
 * A DAG of `size` jobs shaped like a big real one: a root with a wide fan-out under it (most of the
 * jobs) and 10 chains of 100 beside it. Small inline payloads, one requirement so that a test can
 * keep every agent away from it. Returns the jobs and how many edges they make.
 */
export function bigDag(tag: string, size: number, payloadB64: string, requirement: string): { jobs: JobSpecInput[]; edges: number } {
  const chains = 10;
  const chainLength = 100;
  const fanOut = size - 1 - chains * chainLength;
  if (fanOut < 0) throw new Error(`a big DAG has at least ${1 + chains * chainLength} jobs`);
  const job = (id: string, parents: string[]): JobSpecInput => ({ id, file: 'job.py', payloadB64, parents, requirement, maxRetries: 0 });
  const jobs = [job(`${tag}-root`, [])];
  for (let i = 0; i < fanOut; i++) jobs.push(job(`${tag}-w${i}`, [`${tag}-root`]));
  for (let c = 0; c < chains; c++) for (let i = 0; i < chainLength; i++) jobs.push(job(`${tag}-c${c}-${i}`, i ? [`${tag}-c${c}-${i - 1}`] : []));
  return { jobs, edges: fanOut + chains * (chainLength - 1) };
}

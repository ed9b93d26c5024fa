/** The job page's decisions, pure: which buttons it offers, and when a job is gone for good. */
import { TitanApiError } from '../../contract/call';
import { isTerminal, type JobView } from '../../contract/jobs';

/** Cancel and Retry are enabled, Stop shown, only for what the job can do now; nothing for an unknown job. */
export function jobButtons(job: Pick<JobView, 'state' | 'service'> | null): { cancel: boolean; retry: boolean; stop: boolean } {
  if (!job) return { cancel: false, retry: false, stop: false };
  const ended = isTerminal(job.state);
  return { cancel: !ended, retry: ended, stop: !!job.service && !ended };
}

/** The control plane does not know this job (never submitted, or forgotten after retention): polling again cannot help. */
export const isUnknownJob = (e: unknown): boolean => e instanceof TitanApiError && e.status === 404;

/** When a PENDING job may be queued: its parents' facts and its delay decide. */
import type { JobState, JobType } from '../contract/jobs';
import { satisfiesChildren } from './services';

export interface ParentFacts {
  id: string;
  state: JobState;
  type: JobType;
  serviceState: string | null;
  /** The agent that ran (or runs) the parent: where an affinity child should go. */
  lastAgent: string | null;
}

export type Promotion =
  | { kind: 'queue'; affinityAgent: string | null }
  | { kind: 'approval'; affinityAgent: string | null }
  | { kind: 'wait' }
  | { kind: 'cancel'; parent: string; note: string };

/**
 * A parent that can never complete dooms the child, even one still waiting out a delay; otherwise
 * the child waits until every parent is satisfied and its delay (`readyAt`) has passed.
 */
export function promotion(
  job: { readyAt: number | null; affinity: boolean; needsApproval?: boolean; /** The agent of the job its `affinityTo` names. */ besideAgent?: string | null },
  parents: readonly ParentFacts[],
  now: number,
): Promotion {
  const doomed = parents.find((p) => p.state === 'DEAD' || p.state === 'CANCELLED');
  if (doomed) return { kind: 'cancel', parent: doomed.id, note: `parent ${doomed.id} ${doomed.state === 'DEAD' ? 'failed' : 'was cancelled'}` };
  if (!parents.every(satisfiesChildren)) return { kind: 'wait' };
  if (job.readyAt !== null && job.readyAt > now) return { kind: 'wait' }; // the alarm promotes it
  // A named job outranks the parents: it is what the submitter asked to run beside.
  const affinityAgent = job.besideAgent ?? (job.affinity ? (parents.find((p) => p.lastAgent)?.lastAgent ?? null) : null);
  // Ready, but a human decides first: it waits without a slot (core/approval).
  return { kind: job.needsApproval ? 'approval' : 'queue', affinityAgent };
}

/**
 * The DAG page's actions, as pure functions: when each applies, what the confirmation says, and
 * what the answer did. The control plane decides exactly which jobs it touches (core/dagActions);
 * these rules only need to agree with it on whether there is anything to do.
 */
import { TERMINAL_STATES, type JobView } from '../../contract/jobs';

export type DagAction = 'cancel' | 'retry';
type Facts = Pick<JobView, 'id' | 'state' | 'run'>;

export const ACTION_LABEL: Record<DagAction, string> = { cancel: 'Cancel DAG', retry: 'Retry failed part' };

/** The jobs each action is about: those not ended (cancel), those that failed or were cancelled (retry). */
export function dagActionTargets(jobs: readonly Facts[]): Record<DagAction, string[]> {
  return {
    cancel: jobs.filter((j) => !TERMINAL_STATES.includes(j.state)).map((j) => j.id),
    retry: jobs.filter((j) => j.state === 'DEAD' || j.state === 'CANCELLED').map((j) => j.id),
  };
}

const jobsText = (n: number) => `${n} job${n === 1 ? '' : 's'}`;

/** The question asked before acting. */
export function confirmText(action: DagAction, dagLabel: string, targets: readonly string[]): string {
  return action === 'cancel'
    ? `Cancel DAG ${dagLabel}? ${jobsText(targets.length)} not ended yet will be cancelled; running ones are stopped.`
    : `Retry the failed part of DAG ${dagLabel}? Failed or cancelled: ${jobsText(targets.length)}. Each job where a failure started runs again, with the jobs its failure cancelled; completed jobs keep their results.`;
}

/** What the action did, from the DAG before and after: jobs newly cancelled, or jobs given a new run. */
export function outcomeText(action: DagAction, before: readonly Facts[], after: readonly Facts[]): string {
  const was = new Map(before.map((j) => [j.id, j]));
  const touched =
    action === 'cancel'
      ? after.filter((j) => j.state === 'CANCELLED' && was.get(j.id)?.state !== 'CANCELLED')
      : after.filter((j) => j.run > (was.get(j.id)?.run ?? j.run));
  const ids = touched.map((j) => j.id);
  const list = ids.length > 5 ? `${ids.slice(0, 5).join(', ')} and ${ids.length - 5} more` : ids.join(', ');
  const did = action === 'cancel' ? 'cancelled' : 'running again';
  return `${ACTION_LABEL[action]}: done — ${jobsText(ids.length)} ${did}${ids.length ? ` (${list})` : ''}.`;
}

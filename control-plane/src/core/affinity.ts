/** Where a job with affinity may run: a pure rule over the agents the cluster knows. */

export interface AffinityAgent {
  id: string;
  /** The machine it runs on (its registration's host); agents of one host share a disk. */
  host: string | null;
  alive: boolean;
  capabilities: readonly string[];
}

/**
 * Whether a job held for agent `target` must keep waiting rather than run on `me`. It waits for
 * `target` while that agent is alive and offers the job's capability. When it cannot (gone, or
 * lacking the capability: a GPU step after a CPU step), an agent on the same host may take it,
 * since what the earlier job left on disk is there too; only when no live agent of that host
 * offers the capability may any agent take it. So affinity never strands a job.
 */
export function heldAway(target: string, requirement: string, me: { id: string; host: string | null }, agents: readonly AffinityAgent[]): boolean {
  if (target === me.id) return false;
  const home = agents.find((a) => a.id === target);
  if (!home) return false;
  const canRun = (a: AffinityAgent) => a.alive && a.capabilities.includes(requirement);
  if (canRun(home)) return true;
  if (home.host === null || me.host === home.host) return false;
  return agents.some((a) => a.host === home.host && canRun(a));
}

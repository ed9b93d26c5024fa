/** Which queued jobs an agent gets: a pure choice over candidates already sorted by priority, then age. */

export interface Candidate {
  id: string;
  requirement: string;
  /** Agent id that should run this job (affinity to a parent's node), if any. */
  affinityAgent: string | null;
}

export function chooseJobs(
  candidates: readonly Candidate[],
  agent: { id: string; capabilities: ReadonlySet<string> },
  isAlive: (agentId: string) => boolean,
  max: number,
): Candidate[] {
  const out: Candidate[] = [];
  for (const c of candidates) {
    if (out.length >= max) break;
    if (!agent.capabilities.has(c.requirement)) continue;
    // Affinity holds a job for its parent's node only while that node is alive.
    if (c.affinityAgent && c.affinityAgent !== agent.id && isAlive(c.affinityAgent)) continue;
    out.push(c);
  }
  return out;
}

/** Queue lists, each already ordered, merged into one: higher priority first, then older (lower seq). */
export function mergeByRank<T extends { priority: number; seq: number }>(lists: readonly (readonly T[])[]): T[] {
  return lists.flat().sort((a, b) => b.priority - a.priority || a.seq - b.seq);
}

/** An agent's capability tags as stored: upper-case, each once, GENERAL always. */
export function capabilitiesOf(requested: readonly string[]): string[] {
  return [...new Set(['GENERAL', ...requested.map((c) => c.toUpperCase())])];
}

/**
 * When a log follow may end. The agent ships a run's last lines (the kill on cancel, the exit)
 * before it reports the result, which closes the lease; so a follow ends once the run is
 * terminal and its lease closed. An agent that vanished never closes it: then the follow ends
 * after a bounded wait from the moment the run was seen terminal.
 */
export interface FollowFacts {
  /** The job's current run (a newer one means the followed run is over). */
  run: number;
  terminal: boolean;
  leaseOpen: boolean;
}

export function followEnds(job: FollowFacts | null, followedRun: number, terminalSince: number | null, now: number, maxWaitMs: number): boolean {
  if (!job || job.run !== followedRun) return true;
  if (!job.terminal) return false;
  if (!job.leaseOpen) return true;
  return terminalSince !== null && now - terminalSince >= maxWaitMs;
}

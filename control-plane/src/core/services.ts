/** Service jobs: when a service counts as done for its children, what its reports change, and crash loops. */
import { isService, type JobState, type JobType, type ServiceHealth } from '../contract/jobs';

export type ServiceState = 'starting' | 'running' | 'restarting';

/** A parent satisfies its children once it completed, or, for a service, once it is up and serving. */
export function satisfiesChildren(p: { state: JobState; type: JobType; serviceState: string | null }): boolean {
  return p.state === 'COMPLETED' || (isService(p.type) && p.state === 'RUNNING' && p.serviceState === 'running');
}

/**
 * The crash-loop rule: `restarts` restarts within `windowMs`. A service backing off at its 30 s cap
 * still counts; one that stays up for the window stops counting on its own.
 */
export const CRASH_LOOP = { restarts: 5, windowMs: 5 * 60_000 } as const;

/** Whether these restart times (oldest first) make a crash loop at `now`. */
export function isCrashLoop(restartsAt: readonly number[], now: number): boolean {
  const n = CRASH_LOOP.restarts;
  return restartsAt.length >= n && now - restartsAt[restartsAt.length - n]! <= CRASH_LOOP.windowMs;
}

/** What the control plane keeps of a service's run (its columns). */
export interface ServiceFacts {
  state: JobState;
  serviceState: string | null;
  restarts: number;
  health: ServiceHealth | null;
  lastExit: string | null;
  /** When restarts were seen, oldest first, at most CRASH_LOOP.restarts of them. */
  restartsAt: number[];
}

export interface ServiceReportFacts {
  state: ServiceState;
  restarts: number;
  health: ServiceHealth;
  lastExit: string | null;
}

export interface ServiceChange {
  /** A history line (state, health or crash loop changed); null when only counts or the last exit moved. */
  note: string | null;
  /** The service is running: its children may start now. */
  releaseChildren: boolean;
  /** What to store. */
  stored: Omit<ServiceFacts, 'state' | 'serviceState'> & { serviceState: ServiceState };
}

/** What an agent's service report changes for a RUNNING job, or null when it changes nothing. */
export function serviceChange(job: ServiceFacts, report: ServiceReportFacts, now: number): ServiceChange | null {
  if (job.state !== 'RUNNING') return null;
  const health = job.health ?? 'unknown';
  // A new agent has no last exit yet: the one seen before stays.
  const lastExit = report.lastExit ?? job.lastExit;
  if (job.serviceState === report.state && job.restarts === report.restarts && health === report.health && job.lastExit === lastExit) return null;
  // A count above ours is that many new restarts (several may fall between two heartbeats); a lower
  // one is a new agent counting from zero.
  const fresh = Math.min(Math.max(report.restarts - job.restarts, 0), CRASH_LOOP.restarts);
  const restartsAt = [...job.restartsAt, ...Array<number>(fresh).fill(now)].slice(-CRASH_LOOP.restarts);
  const notes: string[] = [];
  if (report.state !== job.serviceState) notes.push(`service ${report.state}${report.restarts ? ` (restarts ${report.restarts})` : ''}`);
  if (report.health === 'unhealthy' && health !== 'unhealthy') notes.push('unhealthy: restarting');
  if (report.health === 'healthy' && health === 'unhealthy') notes.push('healthy again');
  if (isCrashLoop(restartsAt, now) && !isCrashLoop(job.restartsAt, now)) {
    notes.push(`crash loop: ${CRASH_LOOP.restarts} restarts within ${CRASH_LOOP.windowMs / 60_000} min${lastExit ? `, last exit ${lastExit}` : ''}`);
  }
  return {
    note: notes.length ? notes.join('; ') : null,
    releaseChildren: report.state === 'running',
    stored: { serviceState: report.state, restarts: report.restarts, health: report.health, lastExit, restartsAt },
  };
}

/** Service jobs: when a service counts as done for its children, and what its reports change. */
import { isService, type JobState, type JobType } from '../contract/jobs';

export type ServiceState = 'starting' | 'running' | 'restarting';

/** A parent satisfies its children once it completed, or, for a service, once it is up and serving. */
export function satisfiesChildren(p: { state: JobState; type: JobType; serviceState: string | null }): boolean {
  return p.state === 'COMPLETED' || (isService(p.type) && p.state === 'RUNNING' && p.serviceState === 'running');
}

export interface ServiceChange {
  /** A history line for a change of state; null when only the restart count moved. */
  note: string | null;
  /** The service is running: its children may start now. */
  releaseChildren: boolean;
}

/** What an agent's service report changes for a RUNNING job, or null when it changes nothing. */
export function serviceChange(
  job: { state: JobState; serviceState: string | null; restarts: number },
  report: { state: ServiceState; restarts: number },
): ServiceChange | null {
  if (job.state !== 'RUNNING') return null;
  if (job.serviceState === report.state && job.restarts === report.restarts) return null;
  return {
    note: report.state !== job.serviceState ? `service ${report.state}${report.restarts ? ` (restarts ${report.restarts})` : ''}` : null,
    releaseChildren: report.state === 'running',
  };
}

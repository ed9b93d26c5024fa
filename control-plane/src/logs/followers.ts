/** Live followers of a shard's logs, by job: a new line reaches only those following its job and run. */
import type { LogLine } from '../contract/logs';

export interface Follower {
  run: number;
  write: (chunk: string) => void;
}

export const sseLine = (l: LogLine): string => `id: ${l.seq}\ndata: ${JSON.stringify(l)}\n\n`;

export class Followers {
  /** Only jobs someone follows have an entry: it goes with their last follower. */
  private readonly byJob = new Map<string, Set<Follower>>();

  add(jobId: string, f: Follower): void {
    let set = this.byJob.get(jobId);
    if (!set) this.byJob.set(jobId, (set = new Set()));
    set.add(f);
  }

  remove(jobId: string, f: Follower): void {
    const set = this.byJob.get(jobId);
    if (!set) return;
    set.delete(f);
    if (set.size === 0) this.byJob.delete(jobId);
  }

  publish(jobId: string, run: number, lines: LogLine[]): void {
    const set = this.byJob.get(jobId);
    if (!set) return;
    for (const f of set) if (f.run === run) for (const l of lines) f.write(sseLine(l));
  }

  /** How many jobs are followed (for tests: an ended follow leaves nothing behind). */
  get jobs(): number {
    return this.byJob.size;
  }
}

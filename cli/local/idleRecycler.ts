// The shell of local/idleRecycle.ts: looks at workerd now and then (/proc; Linux only, elsewhere it
// never restarts anything) and restarts the runtime when the pure rule says so.
import { readFileSync } from 'node:fs';
import { isTerminal, JobState } from '../../control-plane/src/contract/jobs';
import { initialQuiet, notIdle, observe, recycleDue, type QuietState, type RecyclePolicy } from './idleRecycle';

const CLOCK_TICKS_PER_S = 100; // USER_HZ on Linux

/** CPU time (ms) and resident memory (MB) of a live process, from /proc; null when unreadable. */
export function processUsage(pid: number): { cpuMs: number; rssMb: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3
    const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14, 15)
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(rssKb)) return null;
    return { cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_S, rssMb: rssKb / 1024 };
  } catch {
    return null;
  }
}

/** Whether any job has not ended (queued, running, waiting on a parent, a delay or an approval). Unsure counts as yes. */
export async function jobsInFlight(url: string, clientToken: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/v1/stats`, { headers: { authorization: `Bearer ${clientToken}` }, signal: AbortSignal.timeout(5_000) });
    if (!res.ok) return true;
    const { counts } = (await res.json()) as { counts: Record<string, number> };
    return JobState.options.some((s) => !isTerminal(s) && (counts[s] ?? 0) > 0);
  } catch {
    return true;
  }
}

export interface IdleRecyclerDeps {
  policy: RecyclePolicy;
  /** workerd's pid now (it changes with each restart); null when unknown. */
  pid: () => number | null;
  busy: () => Promise<boolean>;
  restart: () => Promise<void>;
  log?: (line: string) => void;
}

export class IdleRecycler {
  private state: QuietState = initialQuiet();
  private baseMb: number | null = null;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly d: IdleRecyclerDeps) {
    if (!d.policy.idleMs) return;
    // Often enough to notice the quiet period's end soon after it is due, never busier than every 200 ms.
    const everyMs = Math.min(15_000, Math.max(200, Math.floor(d.policy.idleMs / 8)));
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.tick());
    }, everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  private async tick(): Promise<void> {
    const pid = this.d.pid();
    const usage = pid === null ? null : processUsage(pid);
    if (this.stopped || !usage) return;
    this.baseMb ??= usage.rssMb;
    const sample = { at: Date.now(), ...usage };
    this.state = observe(this.state, sample, this.d.policy);
    if (this.stopped || !recycleDue(this.state, this.baseMb, this.d.policy)) return;
    if (await this.d.busy()) {
      this.state = notIdle(this.state);
      return;
    }
    const quietS = Math.round((sample.at - this.state.quietSince!) / 1000);
    try {
      await this.d.restart();
      const after = this.d.pid();
      const now = after === null ? null : processUsage(after);
      this.d.log?.(`local runtime restarted after ${quietS} s with nothing to do, to give memory back: workerd ${Math.round(usage.rssMb)} MB -> ${now ? Math.round(now.rssMb) : '?'} MB (state kept, same URL)`);
    } catch (err) {
      this.d.log?.(`local runtime restart failed: ${(err as Error).message}`);
    }
    this.state = initialQuiet();
    this.baseMb = null; // the new process's own start
  }
}

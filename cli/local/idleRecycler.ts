// The shell of local/idleRecycle.ts: looks at workerd now and then (/proc; Linux only, elsewhere it
// never restarts anything) and restarts the runtime when the pure rule says so.
import { isTerminal, JobState } from '../../control-plane/src/contract/jobs';
import { initialQuiet, notIdle, observe, recycleDue, type QuietState, type RecyclePolicy } from './idleRecycle';
import type { TitanHttpClient } from '../../sdk/ts/client';
import { processUsage } from './workerdProcess';

/** Whether any job has not ended (queued, running, waiting on a parent, a delay or an approval). Unsure counts as yes. */
export async function jobsInFlight(client: Pick<TitanHttpClient, 'stats'>): Promise<boolean> {
  try {
    const { counts } = await client.stats();
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

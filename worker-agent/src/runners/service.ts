import net from 'node:net';
import { Waker, backoffDelay } from '../backoff';
import type { Exit, Proc } from '../process';

export type ServiceState = 'starting' | 'running' | 'restarting';

/** Restart delay after `n` consecutive crashes: 0.5 s doubling, capped at 30 s. */
export const restartDelay = (n: number, random?: () => number) => backoffDelay(n, { baseMs: 500, capMs: 30_000, random });

/** A run this long counts as healthy: the next crash starts the backoff over. */
const STABLE_MS = 30_000;

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.setTimeout(1000);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
  });
}

/**
 * Keeps a long-running process up: start, report `running` once its port answers (or at
 * once without a port), restart with backoff whenever it exits, until `stop()`.
 */
export class ServiceSupervisor {
  state: ServiceState = 'starting';
  restarts = 0;
  private proc: Proc | undefined;
  private stopping = false;
  private waker = new Waker();
  readonly done: Promise<void>;

  constructor(
    private readonly start: () => Proc,
    private readonly opts: { port: number; note: (text: string) => void; onChange?: () => void },
  ) {
    this.done = this.loop();
  }

  async stop(graceMs?: number): Promise<void> {
    this.stopping = true;
    this.waker.wake();
    await this.proc?.killTree(graceMs);
    await this.done;
  }

  private async loop(): Promise<void> {
    let crashes = 0;
    while (!this.stopping) {
      const started = Date.now();
      const proc = (this.proc = this.start());
      let exit: Exit | undefined;
      void proc.exited.then((e) => (exit = e));
      if (this.opts.port) {
        while (!exit && !this.stopping && !(await portOpen(this.opts.port))) await this.waker.sleep(200);
      }
      if (!exit && !this.stopping) {
        this.state = 'running';
        this.opts.onChange?.();
        this.opts.note(`service running${this.opts.port ? ` on port ${this.opts.port}` : ''} (pid ${proc.pid})`);
      }
      const e = await proc.exited;
      if (this.stopping) break;
      if (Date.now() - started > STABLE_MS) crashes = 0;
      const delay = restartDelay(crashes++);
      this.restarts++;
      this.state = 'restarting';
      this.opts.onChange?.();
      this.opts.note(`service exited (${e.signal ?? `code ${e.code}`}); restart #${this.restarts} in ${delay} ms`);
      await this.waker.sleep(delay);
      if (!this.stopping) this.state = 'starting';
    }
  }
}

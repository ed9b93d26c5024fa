import type { HealthCheck } from '../../../control-plane/src/contract/jobs';
import { Waker, backoffDelay } from '../backoff';
import type { Exit, Proc } from '../process';
import { afterProbe, crashesAfter, exitText, FRESH_TALLY, unhealthyExit, type Health, type HealthTally } from './health';
import { healthProbe, tcpOpen } from './probe';

export type ServiceState = 'starting' | 'running' | 'restarting';

/** What the heartbeat reports of a service. */
export interface ServiceStatus {
  state: ServiceState;
  restarts: number;
  health: Health;
  lastExit: string | null;
}

/** Restart delay after `n` consecutive crashes: 0.5 s doubling, capped at 30 s. */
export const restartDelay = (n: number, random?: () => number) => backoffDelay(n, { baseMs: 500, capMs: 30_000, random });

export interface ServiceOptions {
  port: number;
  /** Probed while it runs; null: none (running means the port answers, or at once without a port). */
  health?: HealthCheck | null;
  note: (text: string) => void;
  onChange?: () => void;
  /** Grace between SIGTERM and SIGKILL when it is killed for failing its checks. */
  graceMs?: number;
  // Tests inject these; by default a TCP probe of the port, the check's own probe, and `restartDelay`.
  ready?: () => Promise<boolean>;
  probe?: () => Promise<boolean>;
  delay?: (crashes: number) => number;
}

/**
 * Keeps a long-running process up: start, report `running` once its port answers (or at
 * once without a port), probe its health check while it runs, and restart it with backoff
 * whenever it exits or fails `failures` checks in a row, until `stop()`.
 */
export class ServiceSupervisor {
  state: ServiceState = 'starting';
  restarts = 0;
  /** Health as last decided: it stays unhealthy across a restart until the new process passes a check. */
  health: Health = 'unknown';
  lastExit: string | null = null;
  private tally: HealthTally = FRESH_TALLY;
  private proc: Proc | undefined;
  private stopping = false;
  private waker = new Waker();
  readonly done: Promise<void>;

  constructor(
    private readonly start: () => Proc,
    private readonly opts: ServiceOptions,
  ) {
    this.done = this.loop();
  }

  status(): ServiceStatus {
    return { state: this.state, restarts: this.restarts, health: this.health, lastExit: this.lastExit };
  }

  async stop(graceMs?: number): Promise<void> {
    this.stopping = true;
    this.waker.wake();
    await this.proc?.killTree(graceMs);
    await this.done;
  }

  private async loop(): Promise<void> {
    const { port, note } = this.opts;
    const ready = this.opts.ready ?? (() => tcpOpen(port));
    let crashes = 0;
    while (!this.stopping) {
      const started = Date.now();
      const proc = (this.proc = this.start());
      let exit: Exit | undefined;
      void proc.exited.then((e) => {
        exit = e;
        this.waker.wake(); // ends a wait for the port or the next check at once
      });
      if (port) {
        while (!exit && !this.stopping && !(await ready())) await this.waker.sleep(200);
      }
      if (!exit && !this.stopping) {
        this.state = 'running';
        this.opts.onChange?.();
        note(`service running${port ? ` on port ${port}` : ''} (pid ${proc.pid})`);
      }
      const failed = await this.watch(proc, () => exit !== undefined);
      const e = await proc.exited;
      if (this.stopping) break;
      crashes = crashesAfter(crashes, Date.now() - started);
      const delay = (this.opts.delay ?? restartDelay)(crashes++);
      this.restarts++;
      this.state = 'restarting';
      this.lastExit = failed ? unhealthyExit(failed) : exitText(e);
      this.opts.onChange?.();
      note(`service ${failed ? 'killed' : 'exited'} (${this.lastExit}); restart #${this.restarts} in ${delay} ms`);
      await this.waker.sleep(delay);
      if (!this.stopping) this.state = 'starting';
    }
  }

  /**
   * Probe the health check while the process runs. At the threshold it is killed; returns the
   * failed checks that killed it, 0 when it exited by itself or is being stopped.
   */
  private async watch(proc: Proc, exited: () => boolean): Promise<number> {
    const check = this.opts.health;
    const gone = () => exited() || this.stopping;
    if (!check || !this.opts.port) return 0;
    const probe = this.opts.probe ?? healthProbe(this.opts.port, check);
    while (!gone()) {
      await this.waker.sleep(check.intervalMs);
      if (gone()) return 0;
      const ok = await probe();
      if (gone()) return 0;
      const { tally, restart } = afterProbe(this.tally, ok, check.failures);
      const changed = tally.health !== this.tally.health;
      this.tally = tally;
      if (!ok) this.opts.note(`health check failed (${restart ? check.failures : tally.failures}/${check.failures})`);
      if (changed) {
        this.health = tally.health;
        if (!restart) this.opts.note(`service ${tally.health}`);
        this.opts.onChange?.();
      }
      if (restart) {
        this.opts.note(`unhealthy after ${check.failures} failed checks: killing it to restart`);
        await proc.killTree(this.opts.graceMs ?? 3000);
        return check.failures;
      }
    }
    return 0;
  }
}

// Idle retirement of an ephemeral agent: a pure decision and the timer that asks it.

export interface IdleState {
  /** When the agent was last seen busy (a job running or a result waiting to be sent), or started. */
  lastBusyAt: number;
}

/**
 * How long the agent has been idle at `now`: 0 while a job runs or a result waits to be sent,
 * else the time since it was last busy. A result already riding a request (a held lease poll
 * can stay open for 25 s) does not count: stop() takes it back and delivers it before the agent
 * deregisters, so waiting for that poll's answer would only delay retirement.
 */
export function idleFor(now: number, lastBusyAt: number, running: number, unsent: number): number {
  return running > 0 || unsent > 0 ? 0 : Math.max(0, now - lastBusyAt);
}

/** How often to look: often enough to retire close to the limit, never busier than 20 times a second. */
export function idleCheckEveryMs(idleExitMs: number): number {
  return Math.min(1000, Math.max(50, Math.floor(idleExitMs / 10)));
}

export interface IdleWatch {
  /** Wraps the lease starter: every job started counts as activity, however short it is. */
  tracked<A extends unknown[]>(start: (...a: A) => void): (...a: A) => void;
  stop(): void;
}

/**
 * Calls `retire(idleMs)` once, when `busy()` has reported nothing for `idleExitMs`. `busy` is
 * sampled; a job shorter than one sample is still seen through `tracked`. The caller must stop
 * taking work synchronously in `retire`, so no lease is started once retirement has begun.
 */
export function watchIdle(opts: {
  idleExitMs: number;
  busy: () => { running: number; unsent: number };
  retire: (idleMs: number) => void;
  now?: () => number;
}): IdleWatch {
  const now = opts.now ?? Date.now;
  const state: IdleState = { lastBusyAt: now() };
  const timer = setInterval(() => {
    const { running, unsent } = opts.busy();
    const t = now();
    const idle = idleFor(t, state.lastBusyAt, running, unsent);
    if (idle === 0) state.lastBusyAt = t;
    else if (idle >= opts.idleExitMs) {
      clearInterval(timer);
      opts.retire(idle);
    }
  }, idleCheckEveryMs(opts.idleExitMs));
  timer.unref();
  return {
    tracked:
      (start) =>
      (...a) => {
        state.lastBusyAt = now();
        start(...a);
      },
    stop: () => clearInterval(timer),
  };
}

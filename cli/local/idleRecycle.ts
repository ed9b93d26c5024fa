// When the local runtime is restarted to give memory back (pure; the shell is in controlPlane.ts).
//
// Why at all: after a big run workerd keeps ~100–200 MB above what it started with, nearly all of
// it V8 garbage waiting for a major collection that never comes while nothing allocates (a full GC
// forced through the inspector takes 274 MB down to 165; a restart, to ~85). workerd gives V8 no
// idle-time notifications and Miniflare passes it no flags, so the only lever left is a restart,
// which loses nothing: every piece of state is in SQLite under the state dir, and agents retry.
// A restart cuts whatever connection is open, so it happens only when nobody can notice: no job
// that has not ended (nobody waits on one, no lease, no log follow, no approval pending), and
// workerd hardly touched for the whole quiet period (agents' polls and heartbeats cost a few ms).

export interface RecyclePolicy {
  /** How long workerd must have been quiet; 0 turns recycling off. */
  idleMs: number;
  /** Restart only when this much memory would come back (RSS above what it started with); 0: whatever it is. */
  minGainMb: number;
  /** CPU workerd may use per second and still count as quiet (an idle cluster's polls). */
  quietCpuMsPerS: number;
}

export const DEFAULT_RECYCLE: RecyclePolicy = { idleMs: 10 * 60_000, minGainMb: 100, quietCpuMsPerS: 10 };

/** One look at workerd (from /proc): when, its CPU time so far, its resident memory. */
export interface RuntimeSample {
  at: number;
  cpuMs: number;
  rssMb: number;
}

export interface QuietState {
  last: RuntimeSample | null;
  /** Since when workerd has been quiet; null while it is not. */
  quietSince: number | null;
}

export const initialQuiet = (): QuietState => ({ last: null, quietSince: null });

/** Fold a new sample in: quiet continues while workerd's CPU stays under the bar. */
export function observe(state: QuietState, s: RuntimeSample, policy: RecyclePolicy): QuietState {
  const prev = state.last;
  if (!prev || s.at <= prev.at) return { last: s, quietSince: null };
  const cpuPerS = ((s.cpuMs - prev.cpuMs) * 1000) / (s.at - prev.at);
  if (cpuPerS > policy.quietCpuMsPerS) return { last: s, quietSince: null };
  return { last: s, quietSince: state.quietSince ?? prev.at };
}

/** A job turned out to be in flight (a long job runs quietly): the quiet period starts over. */
export const notIdle = (state: QuietState): QuietState => ({ last: state.last, quietSince: null });

/**
 * Worth restarting, once no job is in flight (asked only now: the question costs workerd CPU, which
 * would count against the quiet itself)? Quiet for long enough, and enough memory to win back over
 * `baseMb` (RSS at start).
 */
export function recycleDue(state: QuietState, baseMb: number, policy: RecyclePolicy): boolean {
  const s = state.last;
  if (!policy.idleMs || !s || state.quietSince === null) return false;
  return s.at - state.quietSince >= policy.idleMs && (policy.minGainMb === 0 || s.rssMb - baseMb >= policy.minGainMb);
}

/** TITAN_IDLE_RECYCLE_MS / TITAN_IDLE_RECYCLE_MIN_MB over the defaults; a bad value keeps the default. */
export function recyclePolicyFrom(env: Record<string, string | undefined>): RecyclePolicy {
  const num = (v: string | undefined, d: number) => (v !== undefined && v.trim() !== '' && Number.isFinite(Number(v)) && Number(v) >= 0 ? Number(v) : d);
  return {
    idleMs: num(env.TITAN_IDLE_RECYCLE_MS, DEFAULT_RECYCLE.idleMs),
    minGainMb: num(env.TITAN_IDLE_RECYCLE_MIN_MB, DEFAULT_RECYCLE.minGainMb),
    quietCpuMsPerS: DEFAULT_RECYCLE.quietCpuMsPerS,
  };
}

/**
 * Every tunable of the control plane, read from the Worker's vars in one place with its default
 * declared once. A value that is set but unusable (not an integer, below its floor) is not taken:
 * the default applies and the problem is reported, so a typo in wrangler.toml shows in the logs
 * instead of silently running with, say, a zero lease TTL.
 */

/** Scheduler timings (tests shorten them through the same vars). */
export interface SchedulerConfig {
  leaseTtlMs: number;
  heartbeatMs: number;
  retryBaseMs: number;
  retryCapMs: number;
  agentSilentMs: number;
  /** Ended jobs (with their history and logs) are forgotten this long after they finished. */
  jobRetentionMs: number;
  /** A job with resource asks queued this long reserves an agent against starvation (core/resources). */
  reserveAfterMs: number;
  /** A demand group is backlogged with at least this many queued jobs, the oldest waiting at least demandBacklogMs. */
  demandBacklogJobs: number;
  demandBacklogMs: number;
  /** A schedule's tick later than this was missed (the control plane was down): its `missed` policy applies. */
  scheduleLateMs: number;
  /** Self-extending graphs: how many spawns deep a DAG may grow, and how many jobs it may hold (core/spawn). */
  spawnMaxDepth: number;
  spawnMaxJobs: number;
}

export interface Settings extends SchedulerConfig {
  /** Log lines a job keeps in its LogDO before the oldest roll to R2. */
  logMaxLines: number;
  /** TitanStore shards; changing it re-maps keys, so set it once per deployment. */
  storeShards: number;
  /**
   * WAL pages a store shard writes when it starts, so that its puts overwrite a grown, checkpointed
   * WAL instead of growing one (lib/walReserve.ts). 0 (default, and right on Cloudflare, whose storage
   * is not a local WAL): off. The local runtime sets it.
   */
  walReservePages: number;
}

interface Setting {
  env: string;
  default: number;
  min: number;
}

/** Each setting: its var, its default, its floor. */
const SETTINGS = {
  leaseTtlMs: { env: 'LEASE_TTL_MS', default: 30_000, min: 1 },
  heartbeatMs: { env: 'HEARTBEAT_MS', default: 5_000, min: 1 },
  retryBaseMs: { env: 'RETRY_BASE_MS', default: 500, min: 0 },
  retryCapMs: { env: 'RETRY_CAP_MS', default: 60_000, min: 0 },
  agentSilentMs: { env: 'AGENT_SILENT_MS', default: 60_000, min: 1 },
  jobRetentionMs: { env: 'JOB_RETENTION_MS', default: 7 * 24 * 3600_000, min: 0 },
  reserveAfterMs: { env: 'RESERVE_AFTER_MS', default: 30_000, min: 0 },
  demandBacklogJobs: { env: 'DEMAND_BACKLOG_JOBS', default: 1, min: 1 },
  demandBacklogMs: { env: 'DEMAND_BACKLOG_MS', default: 30_000, min: 0 },
  scheduleLateMs: { env: 'SCHEDULE_LATE_MS', default: 30_000, min: 0 },
  spawnMaxDepth: { env: 'SPAWN_MAX_DEPTH', default: 10, min: 1 },
  spawnMaxJobs: { env: 'SPAWN_MAX_JOBS', default: 10_000, min: 1 },
  logMaxLines: { env: 'LOG_MAX_LINES', default: 20_000, min: 1 },
  storeShards: { env: 'STORE_SHARDS', default: 16, min: 1 },
  walReservePages: { env: 'WAL_RESERVE_PAGES', default: 0, min: 0 },
} as const satisfies Record<keyof Settings, Setting>;

export type SettingsVar = (typeof SETTINGS)[keyof typeof SETTINGS]['env'];
/** The Worker vars this module reads (the Env binding satisfies it). */
export type SettingsVars = { readonly [K in SettingsVar]?: string };

export const DEFAULT_SETTINGS: Settings = Object.fromEntries(Object.entries(SETTINGS).map(([k, s]) => [k, s.default])) as unknown as Settings;

/** Settings from the vars; unset or empty vars take the default silently, bad ones with a problem line. */
export function readSettings(vars: SettingsVars): { settings: Settings; problems: string[] } {
  const settings = { ...DEFAULT_SETTINGS };
  const problems: string[] = [];
  for (const [key, s] of Object.entries(SETTINGS) as [keyof Settings, Setting][]) {
    const raw = vars[s.env as SettingsVar]?.trim();
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    if (Number.isInteger(n) && n >= s.min) settings[key] = n;
    else problems.push(`${s.env}=${JSON.stringify(raw)} is not an integer >= ${s.min}; using ${s.default}`);
  }
  return { settings, problems };
}

/** Where demand changes are POSTed (DEMAND_WEBHOOK_URL) and the HMAC key that signs them (DEMAND_WEBHOOK_SECRET). */
export interface DemandWebhookConfig {
  url: string;
  secret: string;
}

/** The webhook, or null when no URL is set; a URL that is not http(s) is reported and ignored. */
export function readWebhook(vars: { DEMAND_WEBHOOK_URL?: string; DEMAND_WEBHOOK_SECRET?: string }): { webhook: DemandWebhookConfig | null; problems: string[] } {
  const url = vars.DEMAND_WEBHOOK_URL?.trim();
  if (!url) return { webhook: null, problems: [] };
  let ok = false;
  try {
    ok = ['http:', 'https:'].includes(new URL(url).protocol);
  } catch {
    /* not a URL */
  }
  if (!ok) return { webhook: null, problems: [`DEMAND_WEBHOOK_URL=${JSON.stringify(url)} is not an http(s) URL; no demand webhook`] };
  const secret = vars.DEMAND_WEBHOOK_SECRET ?? '';
  return { webhook: { url, secret }, problems: secret ? [] : ['DEMAND_WEBHOOK_SECRET is not set: demand webhooks go out unsigned'] };
}

const cache = new WeakMap<object, Settings>();

/**
 * The settings of this Worker's vars, parsed once per env object; problems are logged the first
 * time. Durable Objects and routes call this instead of reading vars themselves.
 */
export function settingsOf(env: SettingsVars): Settings {
  let s = cache.get(env);
  if (!s) {
    const r = readSettings(env);
    for (const p of r.problems) console.warn(`titan config: ${p}`);
    cache.set(env, (s = r.settings));
  }
  return s;
}

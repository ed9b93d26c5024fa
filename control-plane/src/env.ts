import type { ClusterDO } from './cluster/ClusterDO';
import type { LogDO } from './logs/LogDO';
import type { StoreDO } from './store/StoreDO';

export interface Env {
  CLUSTER: DurableObjectNamespace<ClusterDO>;
  STORE: DurableObjectNamespace<StoreDO>;
  LOGS: DurableObjectNamespace<LogDO>;
  ARTIFACTS: R2Bucket;
  /** The dashboard's files (Workers Static Assets, wrangler.toml [assets]). */
  ASSETS: Fetcher;
  /** Bearer tokens (Worker secrets; `.dev.vars` locally). */
  CLIENT_TOKEN?: string;
  AGENT_TOKEN?: string;
  STORE_SHARDS?: string;
  WAL_RESERVE_PAGES?: string;
  LEASE_TTL_MS?: string;
  HEARTBEAT_MS?: string;
  RETRY_BASE_MS?: string;
  RETRY_CAP_MS?: string;
  AGENT_SILENT_MS?: string;
  JOB_RETENTION_MS?: string;
  LOG_MAX_LINES?: string;
  RESERVE_AFTER_MS?: string;
  DEMAND_BACKLOG_JOBS?: string;
  DEMAND_BACKLOG_MS?: string;
  SCHEDULE_LATE_MS?: string;
  SPAWN_MAX_DEPTH?: string;
  SPAWN_MAX_JOBS?: string;
  DEMAND_WEBHOOK_URL?: string;
  DEMAND_WEBHOOK_SECRET?: string;
}

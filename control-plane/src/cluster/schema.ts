import { TERMINAL_STATES } from '../contract/jobs';

/** SQL true when the state in `col` is not final (contract/jobs TERMINAL_STATES). */
const OPEN_STATE = (col: string) => `${col} NOT IN (${TERMINAL_STATES.map((s) => `'${s}'`).join(', ')})`;

/** ClusterDO tables. Additive changes only: a new column gets an entry in MIGRATIONS. */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  run INTEGER NOT NULL,
  dag TEXT,
  type TEXT NOT NULL,
  spec TEXT NOT NULL,
  requirement TEXT NOT NULL,
  priority INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  state TEXT NOT NULL,
  ready_at INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_retries INTEGER NOT NULL,
  lease_id TEXT,
  agent_id TEXT,
  lease_expires INTEGER,
  last_agent TEXT,
  node TEXT,
  affinity_agent TEXT,
  order_action TEXT,
  exit_code INTEGER,
  error TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  service_state TEXT,
  restarts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_queue ON jobs(state, requirement, priority DESC, seq);
CREATE INDEX IF NOT EXISTS jobs_lease ON jobs(lease_id);
CREATE INDEX IF NOT EXISTS jobs_agent ON jobs(agent_id);
CREATE INDEX IF NOT EXISTS jobs_ready ON jobs(ready_at);
CREATE INDEX IF NOT EXISTS jobs_expiry ON jobs(lease_expires);
CREATE INDEX IF NOT EXISTS jobs_dag ON jobs(dag);
CREATE INDEX IF NOT EXISTS jobs_seq ON jobs(seq);
CREATE INDEX IF NOT EXISTS jobs_finished ON jobs(finished_at);
CREATE TABLE IF NOT EXISTS edges (parent TEXT NOT NULL, child TEXT NOT NULL, PRIMARY KEY (parent, child));
CREATE INDEX IF NOT EXISTS edges_child ON edges(child);
CREATE TABLE IF NOT EXISTS history (job_id TEXT NOT NULL, run INTEGER NOT NULL, ts INTEGER NOT NULL, state TEXT NOT NULL, note TEXT);
CREATE INDEX IF NOT EXISTS history_job ON history(job_id, run);
CREATE TABLE IF NOT EXISTS agents (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  caps TEXT NOT NULL,
  slots INTEGER NOT NULL,
  ephemeral INTEGER NOT NULL,
  info TEXT NOT NULL,
  registered_at INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  online INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS agents_name ON agents(name);
CREATE TABLE IF NOT EXISTS dags (id TEXT PRIMARY KEY, name TEXT, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS lease_results (lease_id TEXT PRIMARY KEY, job_id TEXT NOT NULL, ts INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS lease_results_ts ON lease_results(ts);
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
-- Cron schedules: the saved spec, its DAG template (payloads already stored by hash), the next tick (NULL: paused).
CREATE TABLE IF NOT EXISTS schedules (
  name TEXT PRIMARY KEY,
  spec TEXT NOT NULL,
  template TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  next_at INTEGER,
  runs INTEGER NOT NULL DEFAULT 0,
  last_tick_at INTEGER,
  last_dag TEXT,
  last_note TEXT
);
CREATE INDEX IF NOT EXISTS schedules_next ON schedules(next_at);
-- Decisions given through the original SDK's store key before the gate was waiting: applied when it is.
CREATE TABLE IF NOT EXISTS approval_presets (job_id TEXT PRIMARY KEY, decision TEXT NOT NULL, ts INTEGER NOT NULL);
`;

/**
 * Columns added after the first release, as (table, column, type, fill): added where missing, so
 * a state dir of an older version opens as it was; `fill` runs once, when the column was added.
 * `jobs.prev_lease_id` is the lease lost last (a late result of it is still taken,
 * core/leaseHolder); `lease_results.run` the run a recorded result closed (its lines may still arrive).
 */
export const MIGRATIONS: readonly (readonly [table: string, column: string, type: string, fill?: string])[] = [
  ['jobs', 'prev_lease_id', 'TEXT'],
  ['lease_results', 'run', 'INTEGER'],
  // Resource asks (effective: gpu_memory_mb alone counts one GPU), what a run holds (JSON
  // Assignment, NULL when nothing), and when it last entered the queue (for starvation).
  ['jobs', 'gpus', 'INTEGER NOT NULL DEFAULT 0'],
  ['jobs', 'gpu_memory_mb', 'INTEGER NOT NULL DEFAULT 0'],
  ['jobs', 'cpus', 'REAL NOT NULL DEFAULT 0'],
  ['jobs', 'memory_mb', 'INTEGER NOT NULL DEFAULT 0'],
  ['jobs', 'assigned', 'TEXT'],
  ['jobs', 'queued_at', 'INTEGER'],
  // How many spawns deep a job is (0: submitted; core/spawn).
  ['jobs', 'spawn_depth', 'INTEGER NOT NULL DEFAULT 0'],
  // What an agent offers (JSON AgentResources); GPUs refreshed by its heartbeats.
  ['agents', 'resources', "TEXT NOT NULL DEFAULT '{}'"],
  // A service's health as its agent last reported it, how its process last ended, and when its
  // latest restarts were seen (JSON array, for core/services' crash-loop rule).
  ['jobs', 'service_health', 'TEXT'],
  ['jobs', 'service_last_exit', 'TEXT'],
  ['jobs', 'service_restarts_at', 'TEXT'],
  // How many of a DAG's jobs have not ended (kept by jobsRepo insertRuns and setState): its end is
  // one row read away, so a client waiting on it is answered as the last job ends, whatever its size.
  ['dags', 'open', 'INTEGER', `UPDATE dags SET open = (SELECT COUNT(*) FROM jobs WHERE jobs.dag = dags.id AND ${OPEN_STATE('jobs.state')})`],
];

/** Indexes on migrated columns, created after MIGRATIONS ran. */
export const MIGRATED_INDEXES = `
CREATE INDEX IF NOT EXISTS jobs_prev_lease ON jobs(prev_lease_id);
CREATE INDEX IF NOT EXISTS jobs_asking ON jobs(state, queued_at) WHERE gpus > 0 OR cpus > 0 OR memory_mb > 0;
`;

/** Create the tables, then add every migrated column an older state dir lacks. */
export function migrate(sql: SqlStorage): void {
  sql.exec(SCHEMA);
  for (const [table, column, type, fill] of MIGRATIONS) {
    const has = sql.exec<{ name: string }>(`PRAGMA table_info(${table})`).toArray().some((c) => c.name === column);
    if (has) continue;
    sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
    if (fill) sql.exec(fill);
  }
  sql.exec(MIGRATED_INDEXES);
}

/** ClusterDO tables. Additive changes only: a new column gets an ALTER in MIGRATIONS. */
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
`;

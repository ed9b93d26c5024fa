import http from 'node:http';
import { dagId } from './jobString';

/**
 * DAG names are not on the TITAN_PROTO wire; the original SDK POSTs them to
 * `:5000/api/manifest/sync` right after submitting. We remember name per job id for a
 * while and use it the next time a SUBMIT_DAG carries those ids (re-runs of a pipeline).
 */
export class DagNameBook {
  private names = new Map<string, { name: string; until: number }>();

  constructor(
    private readonly ttlMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  remember(name: string, jobIds: string[]): void {
    const until = this.now() + this.ttlMs;
    for (const id of jobIds) this.names.set(dagId(id), { name, until });
    if (this.names.size > 100_000) this.prune();
  }

  /** The name remembered for the first of these ids that has one. */
  lookup(jobIds: string[]): string | undefined {
    const now = this.now();
    for (const id of jobIds) {
      const hit = this.names.get(dagId(id));
      if (hit && hit.until > now) return hit.name;
    }
    return undefined;
  }

  private prune(): void {
    const now = this.now();
    for (const [id, v] of this.names) if (v.until <= now) this.names.delete(id);
  }
}

export interface ManifestGroup {
  name: string;
  ids: string[];
}

/** How recent a manifest entry must be to name a DAG: the original SDK re-sends its whole history. */
export const MANIFEST_FRESH_MS = 10 * 60_000;

/**
 * The manifest body, leniently, as DAG name → job ids. Two shapes: the original SDK's
 * `{"DAG-<id>": {"dag": name, "deps": [...], "run_ts": ms}, "__…": …}` (stale entries dropped),
 * and `{dag_name|name, jobs: [{id}|"id"] | job_ids: [...]}`. Empty when unusable.
 */
export function parseManifest(body: unknown, now = Date.now()): ManifestGroup[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return [];
  const b = body as Record<string, unknown>;
  const list = Array.isArray(b.jobs) ? b.jobs : Array.isArray(b.job_ids) ? b.job_ids : null;
  const single = typeof b.dag_name === 'string' ? b.dag_name : typeof b.name === 'string' ? b.name : null;
  if (single && list) {
    const ids = list
      .map((j) => (typeof j === 'string' ? j : j && typeof j === 'object' ? (j as { id?: unknown }).id : undefined))
      .filter((id): id is string => typeof id === 'string' && id.length > 0);
    return single.length <= 200 ? [{ name: single, ids }] : [];
  }
  const byName = new Map<string, string[]>();
  for (const [key, v] of Object.entries(b)) {
    if (key.startsWith('__') || !v || typeof v !== 'object') continue;
    const { dag, run_ts } = v as { dag?: unknown; run_ts?: unknown };
    if (typeof dag !== 'string' || !dag || dag.length > 200) continue;
    if (typeof run_ts === 'number' && now - run_ts > MANIFEST_FRESH_MS) continue;
    (byName.get(dag) ?? byName.set(dag, []).get(dag)!).push(key);
  }
  return [...byName].map(([name, ids]) => ({ name, ids }));
}

/** A tiny HTTP server for the manifest POST; anything else is a 404. */
export async function startManifestServer(onManifest: (groups: ManifestGroup[]) => void, host: string, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/api/manifest/sync') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      // The original SDK sends its whole history, scripts included: allow a generous body.
      if (size > 32 * 1024 * 1024) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      let groups: ManifestGroup[] = [];
      try {
        groups = parseManifest(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        /* not JSON */
      }
      if (groups.length) onManifest(groups);
      res.writeHead(groups.length ? 200 : 400, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: groups.length > 0 }));
    });
    req.on('error', () => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { LeasedJob } from '../../../control-plane/src/contract/agents';
import type { RunContext } from './context';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Keep bytes under their content hash; written atomically so a crash never leaves half a file. */
function cachePut(workdir: string, bytes: Uint8Array): string {
  const dir = path.join(workdir, 'cache');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, sha256(bytes));
  if (!fs.existsSync(file)) {
    fs.writeFileSync(`${file}.${process.pid}.tmp`, bytes);
    fs.renameSync(`${file}.${process.pid}.tmp`, file);
  }
  return file;
}

/**
 * Byte arrays by key, the most recently used kept up to `maxBytes` in all (none over `maxEntry`).
 * Holds payloads by their cache file: a DAG of many jobs with one script reads it from disk once,
 * not once per job. Content-addressed, so an entry never goes stale.
 */
export class BytesLru {
  private readonly map = new Map<string, Uint8Array>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly maxEntry: number,
  ) {}

  get(key: string): Uint8Array | undefined {
    const v = this.map.get(key);
    if (v) (this.map.delete(key), this.map.set(key, v)); // most recent last
    return v;
  }

  /** Keeps `v` (if small enough) and returns it. */
  set(key: string, v: Uint8Array): Uint8Array {
    if (v.length > this.maxEntry || this.map.has(key)) return v;
    this.map.set(key, v);
    this.bytes += v.length;
    for (const [k, old] of this.map) {
      if (this.bytes <= this.maxBytes) break;
      this.map.delete(k);
      this.bytes -= old.length;
    }
    return v;
  }
}

const payloads = new BytesLru(16 * 1024 * 1024, 1024 * 1024);

/** The job's script bytes: a content-addressed blob (cached) or a deployed script by name. */
export async function fetchScript(job: LeasedJob, ctx: RunContext): Promise<Uint8Array> {
  if (job.payloadHash) {
    const cached = path.join(ctx.workdir, 'cache', job.payloadHash);
    const known = payloads.get(cached);
    if (known) return known;
    if (fs.existsSync(cached)) return payloads.set(cached, fs.readFileSync(cached));
    const bytes = await ctx.client.getBlob(job.payloadHash);
    if (!bytes) throw new Error(`payload ${job.payloadHash} not found on the control plane`);
    if (sha256(bytes) !== job.payloadHash) throw new Error(`payload ${job.payloadHash} arrived corrupted (hash mismatch)`);
    cachePut(ctx.workdir, bytes);
    return payloads.set(cached, bytes);
  }
  if (job.script) {
    // Names can be redeployed, so always ask; the cache still dedupes the bytes on disk.
    const bytes = await ctx.client.getScript(job.script);
    if (!bytes) throw new Error(`script ${JSON.stringify(job.script)} not found`);
    return fs.readFileSync(cachePut(ctx.workdir, bytes));
  }
  throw new Error('job has neither payloadHash nor script');
}

/** Write the script as `job.file` into the fresh workspace. */
export async function prepareScript(job: LeasedJob, ws: string, ctx: RunContext): Promise<{ cwd: string; file: string }> {
  const bytes = await fetchScript(job, ctx);
  const file = path.join(ws, path.basename(job.file));
  fs.writeFileSync(file, bytes, { mode: 0o755 });
  return { cwd: ws, file };
}

// Shared pieces of the hostile-input chaos cases: raw HTTP requests (undici, no client-side
// normalisation of paths or bodies) and a snapshot of everything a request could have stored.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { getGlobalDispatcher } from 'undici';
import type { TitanHttpClient } from '../../sdk/ts/client';

export interface Raw {
  status: number;
  text: string;
}

/** One request exactly as given: `path` goes on the wire untouched (no URL parsing). */
export async function raw(
  base: string,
  method: string,
  urlPath: string,
  opts: { token?: string; body?: string | Uint8Array | AsyncIterable<Uint8Array>; headers?: Record<string, string> } = {},
): Promise<Raw> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  const res = await getGlobalDispatcher().request({ origin: base, method: method.toUpperCase() as 'GET', path: urlPath, headers, body: opts.body as string | undefined });
  return { status: res.statusCode, text: await res.body.text() };
}

/** Files under a directory, recursively (relative names; symbolic links reported as such). */
export function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isSymbolicLink()) out.push(`${p} -> symlink`);
    else if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

export interface Snapshot {
  keys: string[];
  artifacts: string[];
  jobs: string[];
  dags: string[];
  /** Files in the local R2 bucket on disk: artifacts, scripts, blobs and job payloads alike. */
  r2Files: number;
}

/** Everything a refused request must leave untouched, read through the API (and R2's files on disk). */
export async function snapshot(client: TitanHttpClient, stateDir: string): Promise<Snapshot> {
  const [keys, artifacts, jobs, dags] = await Promise.all([
    client.listKeys('', 1000),
    client.listArtifacts(),
    client.listJobs({ limit: 2000 }),
    client.listDags({ limit: 200 }),
  ]);
  return {
    keys: keys.keys.map((k) => k.key).sort(),
    artifacts: artifacts.artifacts.map((a) => a.name).sort(),
    jobs: jobs.jobs.map((j) => j.id).sort(),
    dags: dags.dags.map((d) => d.id).sort(),
    r2Files: walk(path.join(stateDir, 'r2')).length,
  };
}

/** Added entries between two snapshots (the R2 file count as a number). */
export function added(before: Snapshot, after: Snapshot) {
  const diff = (a: string[], b: string[]) => b.filter((x) => !a.includes(x));
  return {
    keys: diff(before.keys, after.keys),
    artifacts: diff(before.artifacts, after.artifacts),
    jobs: diff(before.jobs, after.jobs),
    dags: diff(before.dags, after.dags),
    r2Files: after.r2Files - before.r2Files,
  };
}

export const NOTHING = { keys: [], artifacts: [], jobs: [], dags: [], r2Files: 0 };

/** Mulberry32: a seeded PRNG so a failing input can be replayed. */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Streams `total` bytes with chunked transfer encoding over a raw socket and returns the answer.
 * A server that refuses mid-stream may answer and reset the connection while we are still
 * writing; an HTTP client library then reports the write error and drops the answer, so here the
 * answer is read independently of the writes and a write error after it arrived is not a failure.
 */
export function chunkedRaw(
  base: string,
  method: string,
  urlPath: string,
  total: number,
  headers: Record<string, string>,
): Promise<{ status: number; text: string; sent: number }> {
  const u = new URL(base);
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let sent = 0;
  let got = Buffer.alloc(0);
  return new Promise((resolve, reject) => {
    let done = false;
    const parsed = () => {
      const text = got.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return undefined;
      const head = text.slice(0, end);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? -1);
      const body = text.slice(end + 4);
      return { status, body, complete: len >= 0 && body.length >= len };
    };
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const r = parsed();
      if (r) resolve({ status: r.status, text: r.body, sent });
      else reject(err ?? new Error('closed without an answer'));
    };
    const timer = setTimeout(() => finish(new Error(`no answer to a chunked ${total}-byte body`)), 60_000);
    const pump = () => {
      while (!done && !parsed() && sent < total) {
        const n = Math.min(chunk.length, total - sent);
        sent += n;
        const ok = sock.write(`${n.toString(16)}\r\n`) && sock.write(n === chunk.length ? chunk : chunk.subarray(0, n)) && sock.write('\r\n');
        if (!ok) return void sock.once('drain', pump);
      }
      if (!done && sent >= total) sock.write('0\r\n\r\n');
    };
    const sock = net.connect(Number(u.port), u.hostname, () => {
      const lines = [`${method.toUpperCase()} ${urlPath} HTTP/1.1`, `host: ${u.host}`, 'transfer-encoding: chunked', 'connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
      sock.write(`${lines.join('\r\n')}\r\n\r\n`);
      pump();
    });
    sock.on('data', (c: Buffer) => {
      got = Buffer.concat([got, c]);
      if (parsed()?.complete) finish();
    });
    sock.on('error', (e) => finish(e));
    sock.on('close', () => finish());
  });
}

/** Sends only a request head declaring `length` body bytes and returns the response head (no body is ever sent). */
export function declaredOnly(base: string, method: string, urlPath: string, length: number, headers: Record<string, string>): Promise<string> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    let got = '';
    const sock = net.connect(Number(u.port), u.hostname, () => {
      const lines = [`${method.toUpperCase()} ${urlPath} HTTP/1.1`, `host: ${u.host}`, `content-length: ${length}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
      sock.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    const timer = setTimeout(() => finish(new Error(`no answer to a declared ${length}-byte body`)), 15_000);
    const finish = (err?: Error) => {
      clearTimeout(timer);
      sock.destroy();
      if (err && !got) reject(err);
      else resolve(got);
    };
    sock.on('data', (c) => {
      got += c.toString('latin1');
      if (got.includes('\r\n\r\n')) finish();
    });
    sock.on('error', (e) => finish(e));
    sock.on('close', () => finish(new Error('closed without an answer')));
  });
}

import fs from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import type { LeasedJob } from '../../../control-plane/src/contract/agents';
import type { RunContext } from './context';

export const ARCHIVE_LIMITS = { maxBytes: 512 * 1024 * 1024, maxEntries: 20_000 };

/** Why a zip entry name is unsafe to unpack, or null when it is fine. */
export function entryProblem(name: string): string | null {
  if (name.length === 0 || name.length > 1024) return 'empty or over-long name';
  if (name.includes('\\')) return 'backslash in path';
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'control character in path';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'absolute path';
  const segs = name.replace(/\/$/, '').split('/');
  if (segs.includes('..')) return '".." segment escapes the workspace';
  if (segs.some((s) => s === '')) return 'empty path segment';
  return null;
}

export interface ZipEntry {
  name: string;
  isDir: boolean;
  isSymlink: boolean;
}

/**
 * Entry names and kinds from the zip's central directory. fflate does not expose the
 * Unix mode bits, and a symlink entry unpacked as-is could point anywhere.
 */
export function listZipEntries(data: Uint8Array): ZipEntry[] {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let eocd = -1;
  for (let i = data.length - 22; i >= Math.max(0, data.length - 22 - 65_535); i--) {
    if (dv.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file (no end of central directory)');
  const count = dv.getUint16(eocd + 10, true);
  let p = dv.getUint32(eocd + 16, true);
  const out: ZipEntry[] = [];
  const dec = new TextDecoder();
  for (let n = 0; n < count; n++) {
    if (p + 46 > data.length || dv.getUint32(p, true) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const madeBy = dv.getUint16(p + 4, true) >> 8; // 3 = Unix: the high half of the external attributes is st_mode
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    const mode = dv.getUint32(p + 38, true) >>> 16;
    const name = dec.decode(data.subarray(p + 46, p + 46 + nameLen));
    out.push({ name, isDir: name.endsWith('/'), isSymlink: madeBy === 3 && (mode & 0o170000) === 0o120000 });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** Unpack into `dest`, refusing the whole archive if any entry is unsafe or it is too big. */
export function safeUnzip(data: Uint8Array, dest: string, limits = ARCHIVE_LIMITS): number {
  const entries = listZipEntries(data);
  if (entries.length > limits.maxEntries) throw new Error(`archive refused: ${entries.length} entries (limit ${limits.maxEntries})`);
  for (const e of entries) {
    const problem = entryProblem(e.name);
    if (problem) throw new Error(`archive refused: entry ${JSON.stringify(e.name)}: ${problem}`);
    if (e.isSymlink) throw new Error(`archive refused: entry ${JSON.stringify(e.name)} is a symbolic link`);
  }
  let declared = 0;
  const files = unzipSync(data, {
    filter: (f) => {
      declared += f.originalSize;
      if (declared > limits.maxBytes) throw new Error(`archive refused: unpacks to more than ${limits.maxBytes} bytes`);
      return true;
    },
  });
  const root = path.resolve(dest);
  let total = 0;
  for (const [name, bytes] of Object.entries(files)) {
    total += bytes.length;
    if (total > limits.maxBytes) throw new Error(`archive refused: unpacks to more than ${limits.maxBytes} bytes`);
    if (entryProblem(name)) throw new Error(`archive refused: entry ${JSON.stringify(name)}`);
    const target = path.resolve(root, name);
    if (!target.startsWith(root + path.sep)) throw new Error(`archive refused: entry ${JSON.stringify(name)} escapes the workspace`);
    if (name.endsWith('/')) {
      fs.mkdirSync(target, { recursive: true });
    } else {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, bytes, { mode: 0o755 });
    }
  }
  return total;
}

/** Fetch the job's zip by name and unpack it into the workspace; the entry file must be in it. */
export async function prepareArchive(job: LeasedJob, ws: string, ctx: RunContext): Promise<{ cwd: string; file: string }> {
  if (!job.archive) throw new Error('archive job without an archive name');
  const zip = await ctx.client.getArtifact(job.archive);
  if (!zip) throw new Error(`archive ${JSON.stringify(job.archive)} not found`);
  const root = path.join(ws, 'src');
  fs.mkdirSync(root, { recursive: true });
  const bytes = safeUnzip(zip, root);
  ctx.log?.(`job ${job.id}: unpacked ${job.archive} (${bytes} bytes)`);
  if (entryProblem(job.file)) throw new Error(`entry file ${JSON.stringify(job.file)} is not a safe relative path`);
  const file = path.join(root, job.file);
  if (!fs.existsSync(file)) throw new Error(`entry file ${JSON.stringify(job.file)} is not in archive ${job.archive}`);
  return { cwd: root, file };
}

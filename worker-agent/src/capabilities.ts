import { execFile } from 'node:child_process';
import os from 'node:os';
import type { GpuDevice } from '../../control-plane/src/contract/resources';

export type { GpuDevice };

export interface Detected {
  capabilities: string[];
  gpus: GpuDevice[];
  /** Why the GPUs could not be read (nvidia-smi failing or hanging); null when read, or when there is no nvidia-smi. */
  gpuError: string | null;
  memoryMb: number;
  cpus: number;
  host: string;
}

/** What nvidia-smi is asked: one CSV line per device. */
export const GPU_QUERY = ['--query-gpu=index,uuid,name,memory.total,memory.free', '--format=csv,noheader,nounits'];

export const DEFAULT_HIGH_MEM_GIB = 64;

const mib = (f: string | undefined): number | null => {
  const n = Number.parseInt((f ?? '').trim(), 10);
  return Number.isFinite(n) && n >= 0 ? n : null;
};

/**
 * Parse GPU_QUERY's output: `index, uuid, name, memory.total, memory.free` per line. The model name
 * may itself contain commas, so it is whatever lies between the uuid and the two memory fields.
 * Lines that are not devices ("No devices were found", driver errors) are skipped.
 */
export function parseNvidiaSmi(out: string): GpuDevice[] {
  const gpus: GpuDevice[] = [];
  for (const raw of out.split('\n')) {
    const f = raw.split(',').map((x) => x.trim());
    if (f.length < 5 || !/^\d+$/.test(f[0]!)) continue;
    const model = f.slice(2, -2).join(', ');
    if (!model) continue;
    gpus.push({ index: Number(f[0]), uuid: f[1]!, model, memoryMb: mib(f.at(-2)) ?? 0, freeMemoryMb: mib(f.at(-1)) });
  }
  return gpus;
}

const TAG = /^[A-Za-z0-9_.:-]+$/;

/** Parse `--capabilities a,b` into upper-case tags; throws on a tag the control plane would refuse. */
export function parseTags(list: string | undefined): string[] {
  if (!list) return [];
  return list
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t) => {
      if (!TAG.test(t) || t.length > 64) throw new Error(`invalid capability tag ${JSON.stringify(t)} (letters, digits, _ . : -)`);
      return t.toUpperCase();
    });
}

/** GENERAL always, GPU with a device, HIGH_MEM above the threshold, then the extra tags; no duplicates. */
export function decideCapabilities(input: { gpus: readonly unknown[]; memoryBytes: number; highMemGiB?: number; extra?: string[] }): string[] {
  const caps = ['GENERAL'];
  if (input.gpus.length > 0) caps.push('GPU');
  if (input.memoryBytes >= (input.highMemGiB ?? DEFAULT_HIGH_MEM_GIB) * 1024 ** 3) caps.push('HIGH_MEM');
  for (const t of input.extra ?? []) caps.push(t.toUpperCase());
  return [...new Set(caps)];
}

/** The nvidia-smi to ask: TITAN_NVIDIA_SMI (a stand-in in tests, an odd install path), else the one on PATH. */
export const nvidiaSmi = (env: NodeJS.ProcessEnv = process.env) => env.TITAN_NVIDIA_SMI || 'nvidia-smi';

export interface GpuReading {
  gpus: GpuDevice[];
  /** null when read (or when there is no nvidia-smi at all: a machine without GPUs). */
  error: string | null;
  /** Whether nvidia-smi exists here (worth asking again later). */
  present: boolean;
}

/** What an nvidia-smi run means: its devices, or why there are none. */
export function gpuReading(err: (Error & { code?: unknown; killed?: boolean }) | null, stdout: string, stderr: string): GpuReading {
  if (err?.code === 'ENOENT') return { gpus: [], error: null, present: false };
  if (err) {
    const why = err.killed ? 'timed out' : (stderr.trim() || stdout.trim() || err.message).split('\n')[0]!.slice(0, 300);
    return { gpus: [], error: `nvidia-smi failed: ${why}`, present: true };
  }
  return { gpus: parseNvidiaSmi(stdout), error: null, present: true };
}

/** Ask nvidia-smi; a missing binary, a driver error or a hang all mean "no GPU" (the latter two with the reason). */
export function queryGpus(bin = nvidiaSmi()): Promise<GpuReading> {
  return new Promise((resolve) => {
    execFile(bin, GPU_QUERY, { timeout: 5000 }, (err, stdout, stderr) => resolve(gpuReading(err, String(stdout), String(stderr))));
  });
}

export async function detect(opts: { extra?: string[]; highMemGiB?: number } = {}): Promise<Detected> {
  const reading = await queryGpus();
  const memoryBytes = os.totalmem();
  return {
    capabilities: decideCapabilities({ gpus: reading.gpus, memoryBytes, highMemGiB: opts.highMemGiB, extra: opts.extra }),
    gpus: reading.gpus,
    gpuError: reading.error,
    memoryMb: Math.round(memoryBytes / 1024 ** 2),
    cpus: os.cpus().length,
    host: os.hostname(),
  };
}

/** One human line: "GENERAL,GPU (1× NVIDIA H100 80GB HBM3, 81559 MiB), 16 CPUs, 128 GiB". */
export function describe(d: Detected): string {
  const gpu = d.gpus.length ? ` (${d.gpus.length}× ${d.gpus[0]!.model}, ${d.gpus[0]!.memoryMb} MiB)` : d.gpuError ? ` (no GPU: ${d.gpuError})` : ' (no GPU)';
  return `${d.capabilities.join(',')}${gpu}, ${d.cpus} CPUs, ${Math.round(d.memoryMb / 1024)} GiB`;
}

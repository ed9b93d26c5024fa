import { execFile } from 'node:child_process';
import os from 'node:os';

export interface Gpu {
  model: string;
  memoryMb: number;
}

export interface Detected {
  capabilities: string[];
  gpus: Gpu[];
  memoryMb: number;
  cpus: number;
  host: string;
}

export const DEFAULT_HIGH_MEM_GIB = 64;

/** Parse `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits` output. */
export function parseNvidiaSmi(out: string): Gpu[] {
  const gpus: Gpu[] = [];
  for (const raw of out.split('\n')) {
    const line = raw.trim();
    // The model name may itself contain commas, so the memory is the last field.
    const cut = line.lastIndexOf(',');
    if (cut <= 0) continue; // blank lines, "No devices were found", driver errors
    const model = line.slice(0, cut).trim();
    const mem = Number.parseInt(line.slice(cut + 1).trim(), 10);
    if (!model) continue;
    gpus.push({ model, memoryMb: Number.isFinite(mem) && mem > 0 ? mem : 0 });
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
export function decideCapabilities(input: { gpus: Gpu[]; memoryBytes: number; highMemGiB?: number; extra?: string[] }): string[] {
  const caps = ['GENERAL'];
  if (input.gpus.length > 0) caps.push('GPU');
  if (input.memoryBytes >= (input.highMemGiB ?? DEFAULT_HIGH_MEM_GIB) * 1024 ** 3) caps.push('HIGH_MEM');
  for (const t of input.extra ?? []) caps.push(t.toUpperCase());
  return [...new Set(caps)];
}

/** Ask nvidia-smi; a missing binary, a driver error or a hang all mean "no GPU". */
export function queryGpus(bin = 'nvidia-smi'): Promise<Gpu[]> {
  return new Promise((resolve) => {
    execFile(bin, ['--query-gpu=name,memory.total', '--format=csv,noheader,nounits'], { timeout: 5000 }, (err, stdout) => {
      resolve(err ? [] : parseNvidiaSmi(String(stdout)));
    });
  });
}

export async function detect(opts: { extra?: string[]; highMemGiB?: number } = {}): Promise<Detected> {
  const gpus = await queryGpus();
  const memoryBytes = os.totalmem();
  return {
    capabilities: decideCapabilities({ gpus, memoryBytes, highMemGiB: opts.highMemGiB, extra: opts.extra }),
    gpus,
    memoryMb: Math.round(memoryBytes / 1024 ** 2),
    cpus: os.cpus().length,
    host: os.hostname(),
  };
}

/** One human line: "GENERAL,GPU (1× NVIDIA H100 80GB HBM3, 81559 MiB), 16 CPUs, 128 GiB". */
export function describe(d: Detected): string {
  const gpu = d.gpus.length ? ` (${d.gpus.length}× ${d.gpus[0].model}, ${d.gpus[0].memoryMb} MiB)` : ' (no GPU)';
  return `${d.capabilities.join(',')}${gpu}, ${d.cpus} CPUs, ${Math.round(d.memoryMb / 1024)} GiB`;
}

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LeasedJob } from '../../../control-plane/src/contract/agents';

/** How to run a job file, from its name alone. */
export function commandFor(file: string, args: string[], python = 'python3'): { cmd: string; argv: string[] } {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.py') return { cmd: python, argv: ['-u', file, ...args] }; // -u: unbuffered, so logs stream live
  if (ext === '.sh') return { cmd: 'bash', argv: [file, ...args] };
  if (ext === '.js' || ext === '.mjs' || ext === '.cjs') return { cmd: process.execPath, argv: [file, ...args] };
  return { cmd: path.resolve(file), argv: args };
}

/** The repo's Python SDK, so job scripts can `from titan_sdk import TitanClient` on any machine. */
export const SDK_PYTHON = fileURLToPath(new URL('../../../sdk/python', import.meta.url));

/**
 * What pins a job to what it holds: its GPUs by nvidia-smi index (CUDA_DEVICE_ORDER=PCI_BUS_ID makes
 * CUDA count them the way nvidia-smi does), for CUDA and for containers, and TITAN_* for scripts.
 * A job holding no GPU keeps the environment it inherits (it asked for none).
 */
export function pinningEnv(assigned: LeasedJob['assigned']): Record<string, string> {
  const env: Record<string, string> = {};
  if (assigned.gpus.length) {
    const indices = assigned.gpus.map((g) => g.index).join(',');
    env.CUDA_DEVICE_ORDER = 'PCI_BUS_ID';
    env.CUDA_VISIBLE_DEVICES = env.NVIDIA_VISIBLE_DEVICES = env.TITAN_GPUS = indices;
    env.TITAN_GPU_UUIDS = assigned.gpus.map((g) => g.uuid).join(',');
  }
  if (assigned.cpus) env.TITAN_CPUS = String(assigned.cpus);
  if (assigned.memoryMb) env.TITAN_MEMORY_MB = String(assigned.memoryMb);
  return env;
}

/** The environment of a job: inherited, plus where it is and how to reach the cluster. */
export function jobEnv(input: {
  base: NodeJS.ProcessEnv;
  job: LeasedJob;
  url: string;
  bridgePort?: number;
  pythonPath?: string[];
}): NodeJS.ProcessEnv {
  const { job } = input;
  const env: NodeJS.ProcessEnv = { ...input.base };
  env.TITAN_JOB_ID = job.id;
  env.TITAN_RUN = String(job.run);
  env.TITAN_ATTEMPT = String(job.attempt);
  env.TITAN_URL = input.url;
  if (job.dag) env.TITAN_DAG = job.dag;
  if (input.bridgePort) {
    env.TITAN_HOST = '127.0.0.1';
    env.TITAN_PORT = String(input.bridgePort);
  }
  if (job.port) env.PORT = env.TITAN_SERVICE_PORT = String(job.port);
  Object.assign(env, job.env);
  Object.assign(env, pinningEnv(job.assigned)); // after the job's own env: its devices are not its to choose
  const py = [...(input.pythonPath ?? []), SDK_PYTHON, env.PYTHONPATH].filter(Boolean);
  env.PYTHONPATH = py.join(path.delimiter);
  env.PYTHONUNBUFFERED = '1';
  // The agent's own tokens are not the job's business.
  delete env.TITAN_AGENT_TOKEN;
  return env;
}

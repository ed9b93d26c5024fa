import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startAgent } from './agent';
import { DEFAULT_HIGH_MEM_GIB, describe, detect, parseTags } from './capabilities';

export interface CliConfig {
  url: string;
  token: string;
  clientToken?: string;
  capabilities: string[];
  slots: number;
  ephemeral: boolean;
  name?: string;
  workdir?: string;
  graceMs: number;
  highMemGiB: number;
  /** Unset: the agent's default. */
  pythonZygote?: boolean;
}

const USAGE =
  'usage: titan agent --url URL --token TOKEN [--client-token T] [--capabilities GPU,HIGH_MEM] [--slots N] [--ephemeral] [--name NAME] [--workdir DIR] [--grace SECONDS] [--high-mem-gib N] [--python-zygote on|off]';

/** Flags > environment > `.titan/cluster.json` in the cwd. Pure apart from reading that file. */
export function resolveConfig(argv: string[], env: NodeJS.ProcessEnv, cwd: string): CliConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      'client-token': { type: 'string' },
      capabilities: { type: 'string' },
      slots: { type: 'string' },
      ephemeral: { type: 'boolean' },
      name: { type: 'string' },
      workdir: { type: 'string' },
      grace: { type: 'string' },
      'high-mem-gib': { type: 'string' },
      'python-zygote': { type: 'string' },
    },
    strict: true,
  });
  let cluster: { url?: string; clientToken?: string; agentToken?: string } = {};
  const file = path.join(cwd, '.titan', 'cluster.json');
  if ((!values.url && !env.TITAN_URL) || (!values.token && !env.TITAN_AGENT_TOKEN)) {
    if (fs.existsSync(file)) cluster = JSON.parse(fs.readFileSync(file, 'utf8'));
  }
  const url = values.url ?? env.TITAN_URL ?? cluster.url;
  const token = values.token ?? env.TITAN_AGENT_TOKEN ?? cluster.agentToken;
  if (!url || !token) throw new Error(`no control plane given (no --url/--token, TITAN_URL/TITAN_AGENT_TOKEN or ${file})\n${USAGE}`);
  const num = (v: string | undefined, d: number, what: string) => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${what} must be a non-negative number\n${USAGE}`);
    return n;
  };
  const slots = num(values.slots, 4, 'slots');
  if (!Number.isInteger(slots) || slots < 1) throw new Error(`--slots must be a whole number ≥ 1\n${USAGE}`);
  const zygote = values['python-zygote'];
  if (zygote !== undefined && zygote !== 'on' && zygote !== 'off') throw new Error(`--python-zygote must be on or off\n${USAGE}`);
  return {
    url,
    token,
    clientToken: values['client-token'] ?? env.TITAN_TOKEN ?? cluster.clientToken,
    capabilities: parseTags(values.capabilities),
    slots,
    ephemeral: values.ephemeral ?? false,
    name: values.name,
    workdir: values.workdir,
    graceMs: num(values.grace, 30, 'grace') * 1000,
    highMemGiB: num(values['high-mem-gib'], DEFAULT_HIGH_MEM_GIB, 'high-mem-gib'),
    pythonZygote: zygote === undefined ? undefined : zygote === 'on',
  };
}

/** `titan agent …`: run until SIGTERM/SIGINT, then drain gracefully and exit 0. */
export async function runAgentCli(argv: string[]): Promise<void> {
  const cfg = resolveConfig(argv, process.env, process.cwd());
  const detected = await detect({ extra: cfg.capabilities, highMemGiB: cfg.highMemGiB });
  console.log(`detected: ${describe(detected)}`);
  const agent = await startAgent({
    url: cfg.url,
    token: cfg.token,
    clientToken: cfg.clientToken,
    slots: cfg.slots,
    ephemeral: cfg.ephemeral,
    name: cfg.name,
    workdir: cfg.workdir,
    detected,
    pythonZygote: cfg.pythonZygote,
    log: (l) => console.log(l),
  });
  console.log(`bridge for jobs on 127.0.0.1:${agent.bridgePort || '(none)'}`);
  console.log(`agent ${agent.name} ready (${detected.capabilities.join(',')}, ${cfg.slots} slots)`);
  await new Promise<void>((resolve) => {
    let signalled = false;
    const onSignal = (sig: string) => {
      if (signalled) {
        console.log(`${sig} again: exiting now`);
        process.exit(1);
      }
      signalled = true;
      console.log(`${sig}: draining (grace ${cfg.graceMs / 1000} s)`);
      void agent.stop(cfg.graceMs).then(resolve);
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
  });
  console.log(`agent ${agent.name} stopped`);
}

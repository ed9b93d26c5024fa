import { fileURLToPath } from 'node:url';
import { TitanHttpClient } from '../../sdk/ts/client';
import { startAgent } from '../../worker-agent/src/agent';
import { describe, detect } from '../../worker-agent/src/capabilities';
import { startSupervisor, type Supervisor } from '../../worker-agent/src/supervise/supervisor';
import type { Invocation } from '../args';
import { agentConfig, type AgentConfig } from '../config';
import { jobBridge } from '../jobBridge';
import { sourcesOf, type System } from '../system';

/** The `titan` program itself, for a supervisor's children. */
const TITAN_BIN = fileURLToPath(new URL('../../bin/titan.mjs', import.meta.url));

/** The flags a supervisor's children share with it (how they detect, run Python, drain). */
function sharedFlags(cfg: AgentConfig): string[] {
  const out = ['--grace', String(cfg.graceMs / 1000)];
  if (cfg.capabilities.length) out.push('--capabilities', cfg.capabilities.join(','));
  if (cfg.highMemGiB !== undefined) out.push('--high-mem-gib', String(cfg.highMemGiB));
  if (cfg.pythonZygote !== undefined) out.push('--python-zygote', cfg.pythonZygote ? 'on' : 'off');
  return out;
}

/**
 * `titan agent …`: run until SIGTERM/SIGINT (or the end of stdin with --exit-with-stdin), then
 * drain gracefully; a second signal exits at once. An agent with --idle-exit also ends, with 0,
 * when it retires; with --supervise it adds ephemeral agents while the queue stays backed up.
 */
export async function runAgent(inv: Invocation, sys: System): Promise<number> {
  const cfg = agentConfig(sourcesOf(inv.flags, sys));
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
    slotsOnly: cfg.slotsOnly,
    idleExitMs: cfg.idleExitMs,
    startBridge: jobBridge,
    log: (l) => console.log(l),
  });
  console.log(`bridge for jobs on 127.0.0.1:${agent.bridgePort || '(none)'}`);
  console.log(`agent ${agent.name} ready (${detected.capabilities.join(',')}, ${cfg.slots} slots)`);
  let supervisor: Supervisor | undefined;
  if (cfg.supervise) {
    const s = cfg.supervise;
    supervisor = startSupervisor({
      client: new TitanHttpClient({ url: cfg.url, token: cfg.token }),
      program: [process.execPath, TITAN_BIN],
      parentName: agent.name,
      url: cfg.url,
      agentToken: cfg.token,
      clientToken: cfg.clientToken,
      hostCapabilities: detected.capabilities,
      childSlots: cfg.slots,
      maxEphemeral: s.maxEphemeral,
      idleExitMs: s.idleExitMs,
      scaleAfterMs: s.scaleAfterMs,
      passThrough: sharedFlags(cfg),
      workdir: cfg.workdir,
      // Children drain with the same grace, then say goodbye.
      stopWaitMs: cfg.graceMs + 5000,
      log: (l) => console.log(l),
    });
    console.log(`supervisor: up to ${s.maxEphemeral} ephemeral agent(s) after ${s.scaleAfterMs / 1000} s of backlog; they retire after ${s.idleExitMs / 1000} s idle`);
  }
  const ended = await new Promise<'stopped' | { idleMs: number }>((resolve) => {
    let signalled = false;
    const onSignal = (why: string) => {
      if (signalled) {
        console.log(`${why} again: exiting now`);
        process.exit(1);
      }
      signalled = true;
      console.log(`${why}: draining (grace ${cfg.graceMs / 1000} s)`);
      void Promise.all([supervisor?.stop(), agent.stop(cfg.graceMs)]).then(() => resolve('stopped'));
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
    if (cfg.exitWithStdin) {
      const orphaned = () => {
        // Whoever started us is gone, and with it the reader of our output: drain all the same,
        // rather than exit on the first write to a closed pipe.
        for (const out of [process.stdout, process.stderr]) out.removeAllListeners('error').on('error', () => {});
        onSignal('stdin closed');
      };
      process.stdin.on('end', orphaned);
      process.stdin.on('error', orphaned);
      process.stdin.resume();
    }
    void agent.retired.then((r) => {
      if (!signalled) resolve(r);
    });
  });
  if (ended === 'stopped') console.log(`agent ${agent.name} stopped`);
  else console.log(`agent ${agent.name} retired after ${Math.round(ended.idleMs / 1000)} s idle`);
  return 0;
}

import { startAgent } from '../../worker-agent/src/agent';
import { describe, detect } from '../../worker-agent/src/capabilities';
import type { Invocation } from '../args';
import { agentConfig } from '../config';
import { jobBridge } from '../jobBridge';
import { sourcesOf, type System } from '../system';

/** `titan agent …`: run until SIGTERM/SIGINT, then drain gracefully; a second signal exits at once. */
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
    startBridge: jobBridge,
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
  return 0;
}

import type { Invocation } from '../args';
import type { System } from '../system';
import { printJson, withClient } from './connect';

/** `titan workers [--json]`: agents, capabilities, load, last contact. */
export function runWorkers(inv: Invocation, sys: System): Promise<number> {
  return withClient(inv, sys, async (client) => {
    const { agents } = await client.listAgents();
    if (inv.flags.json === true) return printJson(agents);
    if (!agents.length) console.log('no agents registered');
    for (const a of agents) {
      const seen = Math.round((Date.now() - a.lastSeen) / 1000);
      console.log(`${a.alive ? '●' : '○'} ${a.name.padEnd(24)} ${a.capabilities.join(',').padEnd(24)} load ${a.running}/${a.slots}  seen ${seen}s ago${a.ephemeral ? '  (ephemeral)' : ''}`);
    }
    return 0;
  });
}

/** `titan stats [--json]`: agents, queue depth and job counts. */
export function runStats(inv: Invocation, sys: System): Promise<number> {
  return withClient(inv, sys, async (client) => {
    const s = await client.stats();
    if (inv.flags.json === true) return printJson(s);
    console.log(`agents ${s.activeAgents} active / ${s.agents.length}  ·  queue ${s.queueDepth} ${JSON.stringify(s.queueByRequirement)}`);
    console.log(Object.entries(s.counts).map(([k, v]) => `${k.toLowerCase()} ${v}`).join('  '));
    return 0;
  });
}

import type { Invocation } from '../args';
import type { System } from '../system';
import { printJson, withClient } from './connect';
import { demandLines, workersText } from './listViews';

/** `titan workers [--json]`: agents, capabilities, load, last contact, CPUs, memory and GPUs. */
export function runWorkers(inv: Invocation, sys: System): Promise<number> {
  return withClient(inv, sys, async (client) => {
    const { agents } = await client.listAgents();
    if (inv.flags.json === true) return printJson(agents);
    console.log(workersText(agents, Date.now()));
    return 0;
  });
}

/** `titan stats [--json]`: agents, queue depth, job counts and demand. */
export function runStats(inv: Invocation, sys: System): Promise<number> {
  return withClient(inv, sys, async (client) => {
    const s = await client.stats();
    if (inv.flags.json === true) return printJson(s);
    console.log(`agents ${s.activeAgents} active / ${s.agents.length}  ·  queue ${s.queueDepth} ${JSON.stringify(s.queueByRequirement)}`);
    console.log(Object.entries(s.counts).map(([k, v]) => `${k.toLowerCase()} ${v}`).join('  '));
    console.log(demandLines(s.demand).join('\n'));
    return 0;
  });
}

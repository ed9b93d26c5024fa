import type { StatsResponse } from '../../../control-plane/src/contract/index';
import { errorReply, ok, type Handler } from './context';

/**
 * STATS_JSON in the original's shape. Our agents have no port of their own, so `port`
 * is the agent's index among live agents (distinct, stable within one reply).
 */
export function statsJson(s: StatsResponse): string {
  const workers = s.agents
    .filter((a) => a.alive)
    .map((a, i) => ({
      port: i,
      capabilities: `[${a.capabilities.join(', ')}]`,
      load: `${a.running}/${a.slots}`,
      active_job: a.jobs[0] ?? null,
      services: s.services.filter((v) => v.agentId === a.id).map((v) => v.id),
    }));
  return JSON.stringify({ active_workers: s.activeAgents, queue_size: s.queueDepth, workers });
}

/** STATS: a few lines a person can read. */
export function statsText(s: StatsResponse): string {
  const counts = Object.entries(s.counts)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${state}=${n}`)
    .join(' ');
  const lines = [
    `Active workers: ${s.activeAgents}`,
    `Queue size: ${s.queueDepth}` +
      (Object.keys(s.queueByRequirement).length
        ? ` (${Object.entries(s.queueByRequirement).map(([req, n]) => `${req}: ${n}`).join(', ')})`
        : ''),
    `Jobs: ${counts || 'none'}`,
  ];
  for (const a of s.agents.filter((x) => x.alive)) {
    const jobs = a.jobs.length ? ` running ${a.jobs.join(', ')}` : ' idle';
    lines.push(`  ${a.name} [${a.capabilities.join(', ')}] load ${a.running}/${a.slots}${jobs}`);
  }
  for (const v of s.services) lines.push(`  service ${v.id} port ${v.port} ${v.state}${v.node ? ` on ${v.node}` : ''}`);
  return lines.join('\n');
}

export const stats: Handler = async (_payload, { client }) => {
  try {
    return ok(statsText(await client.stats()));
  } catch (e) {
    return errorReply(e);
  }
};

export const statsJsonHandler: Handler = async (_payload, { client }) => {
  try {
    return ok(statsJson(await client.stats()));
  } catch (e) {
    return errorReply(e);
  }
};

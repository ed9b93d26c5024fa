/** Tools about the cluster as a whole: its agents and queues, scripts, services, schedules. */
import * as z from 'zod';
import { JobId, LIMITS, SafeName } from '../contract/common';
import { defineTool, jobFacts, jobLine, reply, ToolError } from './tool';

const clusterStatus = defineTool({
  name: 'cluster_status',
  description: 'The cluster now: each agent (name, capabilities, whether alive, slots in use), the queue per capability (jobs waiting for an agent with that capability), and job counts per state. Use it before submitting to see which `requirement` values can run.',
  input: {},
  async run(_, { port }) {
    const s = await port('stats', {});
    const agents = s.agents.map((a) => ({ name: a.name, id: a.id, alive: a.alive, capabilities: a.capabilities, slots: a.slots, running: a.running, ephemeral: a.ephemeral }));
    const lines = [
      `${s.activeAgents} active agent${s.activeAgents === 1 ? '' : 's'}, ${s.queueDepth} job${s.queueDepth === 1 ? '' : 's'} queued`,
      ...agents.map((a) => `- ${a.name}${a.alive ? '' : ' (gone)'}: ${a.running}/${a.slots} slots busy, capabilities ${a.capabilities.join(', ') || 'none'}`),
      ...Object.entries(s.queueByRequirement).map(([cap, n]) => `queue ${cap}: ${n}`),
    ];
    return reply(lines.join('\n'), { agents, activeAgents: s.activeAgents, queueDepth: s.queueDepth, queueByRequirement: s.queueByRequirement, counts: s.counts });
  },
});

const deployScript = defineTool({
  name: 'deploy_script',
  description: 'Store a script under a name, so jobs can run it by `artifact` name (submit_job, submit_dag) without sending its text each time. Deploying the same name again replaces it. Returns its size and SHA-256.',
  input: {
    name: SafeName.describe('Script name, e.g. etl.py (its extension picks the interpreter).'),
    source: z.string().min(1).max(LIMITS.maxInlinePayloadBytes).describe('The script as source text.'),
  },
  async run({ name, source }, { port }) {
    const r = await port('putScript', { params: { name }, body: new TextEncoder().encode(source) });
    return reply(`deployed script ${r.name} (${r.size} bytes)`, { name: r.name, size: r.size, sha256: r.hash });
  },
});

const listServices = defineTool({
  name: 'list_services',
  description: 'Long-running service jobs (SERVICE type) and how they are: agent, port, state, restarts, health, how the process last ended, whether it crash-loops.',
  input: {},
  async run(_, { port }) {
    const { services } = await port('stats', {});
    const text = services.length ? services.map((s) => `- ${s.id}: ${s.state} on ${s.node ?? '?'}:${s.port}, health ${s.health}, ${s.restarts} restarts${s.crashLoop ? ', CRASH-LOOPING' : ''}`).join('\n') : 'no services';
    return reply(text, { services });
  },
});

const stopService = defineTool({
  name: 'stop_service',
  description: 'Stop a running service job: its agent ends the process and the job COMPLETES. Returns its new state; a job that is not a running service is an error.',
  input: { job_id: JobId.describe('The service job id.') },
  async run({ job_id }, { port }) {
    const { job } = await port('stopService', { params: { id: job_id } });
    return reply(`stopping: ${jobLine(job)}`, jobFacts(job));
  },
});

const listSchedules = defineTool({
  name: 'list_schedules',
  description: 'Cron schedules: each tick submits its DAG. Shows each schedule with its cron expression, whether paused, its next tick and last run.',
  input: {},
  async run(_, { port }) {
    const { schedules } = await port('listSchedules', {});
    if (!Array.isArray(schedules)) throw new ToolError('unexpected answer from the control plane');
    const text = schedules.length ? schedules.map((s) => `- ${s.name}: ${JSON.stringify(s)}`).join('\n') : 'no schedules';
    return reply(text, { schedules });
  },
});

export const CLUSTER_TOOLS = [clusterStatus, deployScript, listServices, stopService, listSchedules];

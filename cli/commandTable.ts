/**
 * Every `titan` command in one declarative table: its words, summary, options and positionals.
 * The parser, `--help` and the dispatcher all read it; a command's code is imported only when it
 * runs, so `--help` stays fast and never touches a cluster.
 */
import { JobState } from '../control-plane/src/contract/jobs';
import type { CommandSpec, OptionSpec } from './args';

const PORT = { integer: true, min: 0, max: 65535 };
const COUNT = { integer: true, min: 1 };

/** How user commands find the control plane (see cli/config.ts for the order). */
const CONNECT: Record<string, OptionSpec> = {
  url: { type: 'string', value: 'URL', help: 'control plane URL (else TITAN_URL, else cluster.json)' },
  token: { type: 'string', value: 'TOKEN', help: 'client token (else TITAN_TOKEN, else cluster.json); visible in `ps`, prefer --token-file' },
  'token-file': { type: 'string', value: 'FILE', help: 'read the client token from the first line of FILE' },
  state: { type: 'string', value: 'DIR', help: 'read DIR/cluster.json (else TITAN_STATE)', defaultText: '.titan' },
};
const JSON_OUT: Record<string, OptionSpec> = { json: { type: 'boolean', help: 'print JSON instead of text' } };
const ID = [{ name: 'ID' }] as const;

const CONNECT_NOTE = 'Without --url/--token/--token-file: TITAN_URL/TITAN_TOKEN, else the cluster.json `titan up` wrote (TITAN_STATE=DIR picks DIR/cluster.json).';

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'up',
    summary: 'run a local cluster: control plane in workerd, the TITAN_PROTO bridge, agents',
    options: {
      state: { type: 'string', value: 'DIR', help: 'state directory (tokens, data, cluster.json); else TITAN_STATE', defaultText: '.titan' },
      host: { type: 'string', value: 'H', help: 'address to listen on', defaultText: '127.0.0.1' },
      'http-port': { type: 'string', value: 'N', number: PORT, help: 'control plane port', defaultText: '8787' },
      'bridge-port': { type: 'string', value: 'N', number: PORT, help: 'TITAN_PROTO bridge port; else TITAN_BRIDGE_PORT', defaultText: '9090' },
      'manifest-port': { type: 'string', value: 'N', number: PORT, help: 'where the original SDK POSTs DAG names (best effort)', defaultText: '5000' },
      'no-manifest': { type: 'boolean', help: 'do not forward DAG manifests' },
      agents: { type: 'string', value: 'N', number: { integer: true, min: 0 }, help: 'local agents to start', defaultText: '1' },
      capabilities: { type: 'string', value: 'TAGS', help: 'extra capability tags for the agents, e.g. GPU,HIGH_MEM' },
      slots: { type: 'string', value: 'N', number: COUNT, help: 'job slots per agent', defaultText: '4' },
      var: { type: 'string', value: 'KEY:VALUE', multiple: true, help: 'a Worker var for the control plane (LEASE_TTL_MS, HEARTBEAT_MS, RETRY_BASE_MS, …)' },
      demo: { type: 'boolean', help: 'submit the demo pipeline and follow it' },
      verbose: { type: 'boolean', help: 'print agent and bridge logs' },
    },
    notes: 'Writes DIR/cluster.json (mode 0600) when ready; Ctrl-C stops everything, a restart resumes from DIR.',
    run: async (inv, sys) => (await import('./commands/up')).runUp(inv, sys),
  },
  {
    name: 'agent',
    summary: 'run a worker agent against a control plane',
    service: true,
    options: {
      url: CONNECT.url,
      token: { type: 'string', value: 'TOKEN', help: 'agent token (else TITAN_AGENT_TOKEN, else cluster.json); visible in `ps`, prefer --token-file' },
      'token-file': { type: 'string', value: 'FILE', help: 'read the agent token from the first line of FILE' },
      'client-token': { type: 'string', value: 'T', help: "client token for the jobs' bridge (else TITAN_TOKEN, else cluster.json)" },
      state: CONNECT.state,
      capabilities: { type: 'string', value: 'TAGS', help: 'extra capability tags, e.g. GPU,HIGH_MEM' },
      slots: { type: 'string', value: 'N', number: COUNT, help: 'jobs run at once', defaultText: '4' },
      ephemeral: { type: 'boolean', help: 'deregister as soon as the agent stops' },
      name: { type: 'string', value: 'NAME', help: 'agent name', defaultText: 'hostname-pid' },
      workdir: { type: 'string', value: 'DIR', help: 'where jobs run', defaultText: 'a temp dir' },
      grace: { type: 'string', value: 'SECONDS', number: { min: 0 }, help: 'how long running jobs may finish on SIGTERM', defaultText: '30' },
      'high-mem-gib': { type: 'string', value: 'N', number: { min: 0 }, help: 'memory above which the agent is HIGH_MEM', defaultText: '64' },
      'python-zygote': { type: 'string', value: 'on|off', choices: ['on', 'off'], help: 'fork .py jobs from a warm interpreter', defaultText: 'on' },
      supervise: { type: 'boolean', help: 'also start ephemeral agents on this host while its queue stays backed up' },
      'max-ephemeral': { type: 'string', value: 'N', number: COUNT, help: 'with --supervise: ephemeral agents at most', defaultText: '2' },
      'scale-after': { type: 'string', value: 'SECONDS', number: { min: 0 }, help: 'with --supervise: how long a backlog lasts before agents are added', defaultText: '5' },
      'idle-exit': { type: 'string', value: 'SECONDS', number: { min: 1 }, help: "an ephemeral agent retires after this long idle (with --supervise: its agents')", defaultText: '60 with --supervise, else never' },
      'slots-only': { type: 'boolean', help: 'offer no CPUs, memory or GPUs: take only jobs that ask for none' },
      'exit-with-stdin': { type: 'boolean', help: 'stop (draining) when stdin ends; how a supervisor keeps its agents from outliving it' },
    },
    notes: 'A supervisor (--supervise) is a permanent agent; the agents it adds are ephemeral, offer slots only (`--slots-only`, same capabilities and slots) and retire after --idle-exit idle.',
    run: async (inv, sys) => (await import('./commands/agent')).runAgent(inv, sys),
  },
  {
    name: 'bridge',
    summary: 'serve TITAN_PROTO for programs written for the original SDK',
    service: true,
    options: {
      ...CONNECT,
      host: { type: 'string', value: 'H', help: 'address to listen on', defaultText: '127.0.0.1' },
      port: { type: 'string', value: 'N', number: PORT, help: 'port to listen on; else TITAN_BRIDGE_PORT', defaultText: '9090' },
      'manifest-port': { type: 'string', value: 'N', number: PORT, help: 'forward DAG manifests to this port (off unless given)' },
      'max-connections': { type: 'string', value: 'N', number: COUNT, help: 'connections served at once; more get an error frame', defaultText: '1024' },
      'bridge-token-file': { type: 'string', value: 'FILE', help: "the bridge's own token (first line of FILE; else TITAN_BRIDGE_TOKEN): clients must send AUTH with it first" },
    },
    notes:
      'Without a bridge token any program that can connect gets client rights (programs written for the original SDK send none): keep the default --host 127.0.0.1 unless the network is trusted, or set --bridge-token-file / TITAN_BRIDGE_TOKEN and give titan_sdk clients TITAN_BRIDGE_TOKEN.',
    run: async (inv, sys) => (await import('./commands/bridge')).runBridge(inv, sys),
  },
  {
    name: 'mcp',
    summary: 'serve the MCP tools over stdio (for MCP clients that launch local servers)',
    service: true,
    options: { ...CONNECT },
    notes: `${CONNECT_NOTE} The same tools are served remotely at <url>/mcp (Streamable HTTP, client token as a bearer header).`,
    run: async (inv, sys) => (await import('./commands/mcp')).runMcp(inv, sys),
  },
  {
    name: 'submit',
    summary: 'submit a pipeline YAML (its scripts or project folder go along)',
    positionals: [{ name: 'FILE.yaml' }],
    options: { wait: { type: 'boolean', help: 'follow the jobs; exit 1 unless all complete' }, ...CONNECT },
    notes: CONNECT_NOTE,
    run: async (inv, sys) => (await import('./commands/submit')).runSubmit(inv, sys),
  },
  {
    name: 'status',
    summary: "a job's status and history, or a DAG's (dag-…) jobs",
    positionals: ID,
    options: { ...JSON_OUT, ...CONNECT },
    notes: CONNECT_NOTE,
    run: async (inv, sys) => (await import('./commands/jobs')).runStatus(inv, sys),
  },
  {
    name: 'logs',
    summary: "a job's output",
    positionals: ID,
    options: { follow: { type: 'boolean', short: 'f', help: 'keep printing until the job ends' }, ...CONNECT },
    notes: CONNECT_NOTE,
    run: async (inv, sys) => (await import('./commands/logs')).runLogs(inv, sys),
  },
  ...(['cancel', 'retry', 'stop'] as const).map(
    (action): CommandSpec => ({
      name: action,
      summary: { cancel: 'cancel a job (and what depends on it)', retry: 'run a finished job again', stop: 'stop a service' }[action],
      positionals: ID,
      options: CONNECT,
      notes: CONNECT_NOTE,
      run: async (inv, sys) => (await import('./commands/jobs')).runJobAction(action)(inv, sys),
    }),
  ),
  ...(['approve', 'reject'] as const).map(
    (decision): CommandSpec => ({
      name: decision,
      summary: { approve: 'approve a job waiting for approval (a gate): it runs', reject: 'reject a job waiting for approval: it fails for good, what depends on it is cancelled' }[decision],
      positionals: ID,
      options: {
        reason: { type: 'string', value: 'TEXT', help: 'why, recorded in the job history' },
        by: { type: 'string', value: 'NAME', help: 'who decides, recorded in the job history', defaultText: '$USER' },
        ...CONNECT,
      },
      notes: CONNECT_NOTE,
      run: async (inv, sys) => (await import('./commands/jobs')).runDecision(decision)(inv, sys),
    }),
  ),
  {
    name: 'schedule',
    summary: 'cron schedules: each tick runs a pipeline as a new DAG',
    sub: [
      {
        name: 'add',
        summary: "create or replace a schedule from a pipeline YAML (its top-level 'schedule:' is the cron expression)",
        positionals: [{ name: 'FILE.yaml' }],
        options: {
          name: { type: 'string', value: 'NAME', help: 'schedule name', defaultText: "the pipeline's name" },
          cron: { type: 'string', value: 'EXPR', help: "cron expression (5 fields, @hourly…, @every 30s), instead of the file's 'schedule:'" },
          tz: { type: 'string', value: 'ZONE', help: 'IANA time zone the cron fields are read in', defaultText: 'UTC' },
          missed: { type: 'string', value: 'skip|run_once', help: 'ticks missed while the control plane was down', defaultText: 'skip' },
          overlap: { type: 'string', value: 'skip|allow|cancel_previous', help: 'a tick while the previous run still goes', defaultText: 'skip' },
          paused: { type: 'boolean', help: 'create it paused' },
          ...CONNECT,
        },
        notes: CONNECT_NOTE,
        run: async (inv, sys) => (await import('./commands/schedule')).runScheduleAdd(inv, sys),
      },
      {
        name: 'ls',
        summary: 'schedules with their next tick and last run',
        options: { ...JSON_OUT, ...CONNECT },
        notes: CONNECT_NOTE,
        run: async (inv, sys) => (await import('./commands/schedule')).runScheduleList(inv, sys),
      },
      ...(
        [
          ['pause', 'pause a schedule'],
          ['resume', 'resume a schedule (missed ticks are not made up)'],
          ['run', "run a schedule's pipeline now"],
          ['rm', 'delete a schedule (its runs stay)'],
        ] as const
      ).map(
        ([action, summary]): CommandSpec => ({
          name: action,
          summary,
          positionals: [{ name: 'NAME' }],
          options: CONNECT,
          notes: CONNECT_NOTE,
          run: async (inv, sys) => (await import('./commands/schedule')).runScheduleAction(action)(inv, sys),
        }),
      ),
    ],
  },
  {
    name: 'workers',
    summary: 'agents, capabilities, load',
    options: { ...JSON_OUT, ...CONNECT },
    notes: CONNECT_NOTE,
    run: async (inv, sys) => (await import('./commands/cluster')).runWorkers(inv, sys),
  },
  {
    name: 'jobs',
    summary: 'jobs, newest first',
    options: {
      // `--state` here is the jobs' state, so the cluster's state dir comes from TITAN_STATE only.
      ...CONNECT,
      state: { type: 'string', value: 'STATE', choices: JobState.options, help: 'only jobs in this scheduler state' },
      dag: { type: 'string', value: 'DAG_ID', help: "only this DAG's jobs" },
      limit: { type: 'string', value: 'N', number: COUNT, help: 'at most N jobs', defaultText: '200' },
      ...JSON_OUT,
    },
    notes: CONNECT_NOTE.replace('(TITAN_STATE=DIR', '(only TITAN_STATE=DIR'),
    run: async (inv, sys) => (await import('./commands/lists')).runJobs(inv, sys),
  },
  {
    name: 'dags',
    summary: 'recent DAG runs with job counts by state',
    options: { limit: { type: 'string', value: 'N', number: COUNT, help: 'at most N DAGs', defaultText: '50' }, ...JSON_OUT, ...CONNECT },
    notes: CONNECT_NOTE,
    run: async (inv, sys) => (await import('./commands/lists')).runDags(inv, sys),
  },
  {
    name: 'services',
    summary: 'running and queued services: agent, port, state, health, restarts, last exit',
    options: { ...JSON_OUT, ...CONNECT },
    notes: CONNECT_NOTE,
    run: async (inv, sys) => (await import('./commands/lists')).runServices(inv, sys),
  },
  {
    name: 'stats',
    summary: 'agents, queue depth, job counts',
    options: { ...JSON_OUT, ...CONNECT },
    notes: CONNECT_NOTE,
    run: async (inv, sys) => (await import('./commands/cluster')).runStats(inv, sys),
  },
  {
    name: 'store',
    summary: 'the TitanStore data bus',
    sub: (
      [
        ['get', 'print a value', [{ name: 'KEY' }]],
        ['put', 'set a value', [{ name: 'KEY' }, { name: 'VALUE' }]],
        ['sadd', 'add a member to a set (prints 1 if new)', [{ name: 'KEY' }, { name: 'MEMBER' }]],
        ['smembers', "a set's members", [{ name: 'KEY' }]],
        ['keys', 'list keys', [{ name: 'PREFIX', optional: true }]],
      ] as const
    ).map(
      ([op, summary, positionals]): CommandSpec => ({
        name: op,
        summary,
        positionals,
        options: CONNECT,
        notes: CONNECT_NOTE,
        run: async (inv, sys) => (await import('./commands/store')).runStore(op)(inv, sys),
      }),
    ),
  },
  {
    name: 'upload',
    summary: 'put a file (or a folder, zipped) into the artifact store',
    positionals: [{ name: 'FILE' }],
    options: { name: { type: 'string', value: 'NAME', help: 'artifact name', defaultText: 'the file name (FOLDER.zip)' }, ...CONNECT },
    notes: CONNECT_NOTE,
    run: async (inv, sys) => (await import('./commands/upload')).runUpload(inv, sys),
  },
];

export const PROGRAM_FOOTER = CONNECT_NOTE;

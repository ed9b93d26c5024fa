// How a supervisor's ephemeral agent is started: its name, command line and environment. Pure.

export interface ChildSpec {
  parentName: string;
  /** The child's number: its name is `<parentName>-e<k>`. */
  k: number;
  url: string;
  slots: number;
  idleExitMs: number;
  /** Extra flags passed through from the supervisor's own command line (capabilities, grace, …). */
  passThrough?: readonly string[];
  /** The supervisor's --workdir, if given: the child works in `<workdir>-e<k>` beside it. */
  workdir?: string;
}

export const childName = (parentName: string, k: number): string => `${parentName}-e${k}`;

/**
 * `titan agent` arguments of a child: ephemeral, slots only (the supervisor's agent owns the
 * devices), retiring when idle, and stopping when its stdin ends, so it never outlives us.
 * Tokens are not here (argv is visible to every user in `ps`): see `childEnv`.
 */
export function childArgs(spec: ChildSpec): string[] {
  const name = childName(spec.parentName, spec.k);
  const args = ['agent', '--ephemeral', '--slots-only', '--exit-with-stdin'];
  args.push('--idle-exit', String(spec.idleExitMs / 1000), '--name', name, '--url', spec.url, '--slots', String(spec.slots));
  if (spec.workdir) args.push('--workdir', `${spec.workdir}-e${spec.k}`);
  return [...args, ...(spec.passThrough ?? [])];
}

/** The child's environment: ours, with the tokens it needs (the client token only when we have one). */
export function childEnv(base: NodeJS.ProcessEnv, agentToken: string, clientToken?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, TITAN_AGENT_TOKEN: agentToken };
  if (clientToken) env.TITAN_TOKEN = clientToken;
  return env;
}

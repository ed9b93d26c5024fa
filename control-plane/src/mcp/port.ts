/**
 * The control plane as the MCP tools see it: a few routes of the API, called by name and typed by
 * the route table. The Worker answers them with Durable Object calls (api/mcpPort.ts), `titan mcp`
 * with the HTTP client; either throws `TitanApiError` for a refusal.
 */
import type { CallArgs, RouteOutput } from '../contract/call';

export const PORT_ROUTES = [
  'stats', 'submitJob', 'submitDag', 'getJob', 'getLogs', 'cancelJob', 'approveJob', 'rejectJob',
  'kvGet', 'kvPut', 'sadd', 'smembers', 'putScript', 'stopService', 'listSchedules',
] as const;
export type PortRoute = (typeof PORT_ROUTES)[number];

export type ClusterPort = <N extends PortRoute>(name: N, args: CallArgs<N>) => Promise<RouteOutput<N>>;

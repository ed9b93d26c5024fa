import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { buildMcpServer, type ClusterPort } from '../../control-plane/src/mcp';
import { TitanHttpClient } from '../../sdk/ts/client';
import type { Invocation } from '../args';
import { clientConfig } from '../config';
import { sourcesOf, type System } from '../system';

/**
 * `titan mcp`: the control plane's MCP tools over stdio, for clients that launch local servers.
 * The tools reach the control plane through the HTTP client; stdout carries only JSON-RPC.
 */
export async function runMcp(inv: Invocation, sys: System): Promise<number> {
  const client = new TitanHttpClient(clientConfig(sourcesOf(inv.flags, sys)));
  const port: ClusterPort = (name, args) => client.call(name, args);
  const server = buildMcpServer(port);
  const ended = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
  });
  await server.connect(new StdioServerTransport());
  await ended;
  await server.close();
  await client.close();
  return 0;
}

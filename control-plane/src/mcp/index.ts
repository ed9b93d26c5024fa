/**
 * The MCP tools, once, and the server that offers them. The remote endpoint (api/mcp.ts) and
 * `titan mcp` (stdio) build the same server over their own ClusterPort.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CfWorkerJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/cfworker';
import { TitanApiError } from '../contract/call';
import { CLUSTER_TOOLS } from './cluster';
import { JOB_TOOLS } from './jobs';
import type { ClusterPort } from './port';
import { STORE_TOOLS } from './store';
import { SUBMIT_TOOLS } from './submit';
import { ToolError, toolError, type ToolDef, type ToolResult } from './tool';

export type { ClusterPort } from './port';
export const TOOLS: readonly ToolDef[] = [...CLUSTER_TOOLS, ...SUBMIT_TOOLS, ...JOB_TOOLS, ...STORE_TOOLS];

/** Any failure as a tool error the model can act on; never a protocol error or a crash. */
export function errorResult(e: unknown): ToolResult {
  if (e instanceof ToolError) return toolError(e.message);
  if (e instanceof TitanApiError) return toolError(`${e.message} (${e.code}; nothing was changed)`);
  const err = e as Error;
  return toolError(`${err?.name === 'TitanUnreachableError' ? '' : 'internal error: '}${err?.message ?? String(e)}`);
}

export const MCP_SERVER_VERSION = '0.1.0';

export function buildMcpServer(port: ClusterPort, version = MCP_SERVER_VERSION): McpServer {
  // The cfworker validator is plain JavaScript: it runs in workerd, where Ajv's generated code may not.
  const server = new McpServer({ name: 'titan-edge', version }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator(), capabilities: { tools: {} } });
  for (const t of TOOLS) {
    server.registerTool(t.name, { description: t.description, inputSchema: t.input }, async (args: unknown, extra) => {
      const token = extra._meta?.progressToken;
      const progress =
        token === undefined
          ? null
          : (p: number, total: number | undefined, message: string) =>
              extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: p, ...(total !== undefined ? { total } : {}), message } });
      try {
        return await t.run(args as never, { port, signal: extra.signal, progress });
      } catch (e) {
        return errorResult(e);
      }
    });
  }
  return server;
}

/**
 * `/mcp`: the MCP tools over Streamable HTTP (stateless: a fresh server and transport per request),
 * behind the client token. Mounted beside the route table, not in it: it is one JSON-RPC endpoint
 * whose methods are the tools, not a REST resource for OpenAPI and the typed client.
 */
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { buildMcpServer } from '../mcp';
import { apiError, roleOf, type App } from './http';
import { workerPort } from './mcpPort';

export const MCP_PATH = '/mcp';

export function mountMcp(app: App): void {
  app.all(MCP_PATH, async (c) => {
    const role = roleOf(c);
    if (!role) return apiError(c, 401, 'unauthorized', 'a valid bearer token is required');
    if (role !== 'client') return apiError(c, 403, 'forbidden', 'the MCP endpoint needs a client token, not an agent token');
    // Stateless: no session to resume and no server-initiated stream to hold open (the spec's 405).
    if (c.req.method !== 'POST') return c.json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: POST JSON-RPC requests to /mcp' }, id: null }, 405, { allow: 'POST' });
    const server = buildMcpServer(workerPort(c.env));
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    await server.connect(transport);
    return transport.handleRequest(c.req.raw);
  });
}

// MCP's cost: `job_status` over Streamable HTTP (/mcp, stateless) next to GET /v1/jobs/{id} on the plain API.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { b64, startTestPlane } from '../helpers/controlPlane';
import { percentile, round } from './stats';

async function timed(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 20; i++) await fn(); // warm up
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times;
}

export async function benchMcp(): Promise<Record<string, number>> {
  const cp = await startTestPlane();
  const mcp = new Client({ name: 'titan-bench', version: '1.0.0' });
  try {
    const { job } = await cp.client.submitJob({ file: 'b.py', payloadB64: b64('pass'), requirement: 'NOBODY' });
    await mcp.connect(new StreamableHTTPClientTransport(new URL('/mcp', cp.url), { requestInit: { headers: { authorization: `Bearer ${cp.clientToken}` } } }));
    const n = 300;
    const api = await timed(n, () => cp.client.getJob(job.id));
    const viaMcp = await timed(n, async () => {
      const r = await mcp.callTool({ name: 'job_status', arguments: { job_id: job.id } });
      if (r.isError) throw new Error(JSON.stringify(r.content));
    });
    const p50 = (xs: number[]) => round(percentile(xs, 50));
    return {
      api_get_job_p50_ms: p50(api),
      api_get_job_p99_ms: round(percentile(api, 99)),
      mcp_job_status_p50_ms: p50(viaMcp),
      mcp_job_status_p99_ms: round(percentile(viaMcp, 99)),
      mcp_over_api_p50_ratio: round(p50(viaMcp) / p50(api)),
    };
  } finally {
    await mcp.close();
    await cp.dispose();
  }
}

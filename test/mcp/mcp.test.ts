/**
 * The MCP tools with the official MCP client: over Streamable HTTP against the Worker in workerd
 * (/mcp), and over stdio through `titan mcp`, with a real agent running the jobs.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../../worker-agent/src/agent';
import { embeddedBridge, ROOT, tmpdir } from '../agent/helpers';
import { startTestPlane, waitFor, type TestPlane } from '../helpers/controlPlane';

const CAP = 'MCP_TEST';
const TOOL_NAMES = [
  'approve_gate', 'cancel_job', 'cluster_status', 'deploy_script', 'job_logs', 'job_status', 'list_schedules', 'list_services', 'reject_gate',
  'stop_service', 'store_get', 'store_put', 'store_sadd', 'store_smembers', 'submit_dag', 'submit_job', 'submit_yaml', 'wait_job',
];
let cp: TestPlane;
let agent: RunningAgent;
let http: Client;

type CallResult = { isError?: boolean; content: { type: string; text?: string }[]; structuredContent?: Record<string, unknown> };
const text = (r: CallResult) => r.content.map((c) => c.text ?? '').join('\n');

async function connectHttp(token: string): Promise<Client> {
  const client = new Client({ name: 'titan-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', cp.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

beforeAll(async () => {
  cp = await startTestPlane({ RETRY_BASE_MS: '50' });
  agent = await startAgent({ url: cp.url, token: cp.agentToken, clientToken: cp.clientToken, workdir: tmpdir('mcp'), log: () => {}, startBridge: embeddedBridge, capabilities: [CAP], slots: 4 });
  http = await connectHttp(cp.clientToken);
});
afterAll(async () => {
  await http?.close();
  await agent?.stop(500);
  await cp?.dispose();
});

const call = async (c: Client, name: string, args: Record<string, unknown> = {}) => (await c.callTool({ name, arguments: args })) as CallResult;

/** The tour a model would make: status, a gated DAG, approval, waiting, logs. */
async function gatedDag(c: Client, prefix: string) {
  const names = (await c.listTools()).tools;
  expect(names.map((t) => t.name).sort()).toEqual(TOOL_NAMES);
  for (const t of names) {
    expect(t.description?.length, t.name).toBeGreaterThan(40);
    expect(t.inputSchema.type).toBe('object');
  }
  const status = await call(c, 'cluster_status');
  expect(status.isError).toBeFalsy();
  expect(JSON.stringify(status.structuredContent)).toContain(CAP);

  const dag = await call(c, 'submit_dag', {
    name: `${prefix} tour`,
    jobs: [
      { id: `${prefix}-prep`, script: 'print("prep done")', requirement: CAP },
      { id: `${prefix}-train`, script: 'print("trained", 42)', requirement: CAP, parents: [`${prefix}-prep`], approval: 'Train now?' },
      { id: `${prefix}-report`, script: 'import sys\nprint("report", sys.argv[1])', args: ['final'], requirement: CAP, parents: [`${prefix}-train`] },
    ],
  });
  expect(dag.isError, text(dag)).toBeFalsy();
  expect(dag.structuredContent!.jobIds).toEqual([`${prefix}-prep`, `${prefix}-train`, `${prefix}-report`]);

  await waitFor(async () => (await call(c, 'job_status', { job_id: `${prefix}-train` })).structuredContent!.state === 'WAITING_APPROVAL', 30_000, 100);
  const gate = await call(c, 'job_status', { job_id: `${prefix}-train` });
  expect(text(gate)).toContain('Train now?');
  expect((await call(c, 'job_status', { job_id: `${prefix}-report` })).structuredContent!.state).toBe('PENDING');

  const approved = await call(c, 'approve_gate', { job_id: `${prefix}-train`, by: 'mcp-test' });
  expect(approved.isError, text(approved)).toBeFalsy();
  const progress: number[] = [];
  const done = (await c.callTool({ name: 'wait_job', arguments: { job_id: `${prefix}-report`, timeout_s: 60 } }, undefined, { onprogress: (p) => progress.push(p.progress), timeout: 90_000 })) as CallResult;
  expect(done.structuredContent).toMatchObject({ state: 'COMPLETED', done: true, exitCode: 0 });
  expect(progress.length).toBeGreaterThan(0);
  expect(text(await call(c, 'job_logs', { job_id: `${prefix}-train` }))).toContain('trained 42');
  expect(text(await call(c, 'job_logs', { job_id: `${prefix}-report`, offset: 0 }))).toContain('report final');
}

describe('MCP over Streamable HTTP (/mcp on the Worker)', () => {
  it('initializes, lists described tools, runs a gated DAG to COMPLETED and reads its logs', async () => {
    expect(http.getServerVersion()?.name).toBe('titan-edge');
    await gatedDag(http, 'mh');
  });

  it('cancels a running job', async () => {
    const r = await call(http, 'submit_job', { script: 'import time\nprint("started", flush=True)\ntime.sleep(60)', requirement: CAP });
    const id = r.structuredContent!.jobId as string;
    await waitFor(async () => (await call(http, 'job_status', { job_id: id })).structuredContent!.state === 'RUNNING', 30_000, 100);
    const cancelled = await call(http, 'cancel_job', { job_id: id });
    expect(cancelled.structuredContent!.state).toBe('CANCELLED');
    const final = await call(http, 'wait_job', { job_id: id, timeout_s: 10 });
    expect(final.structuredContent).toMatchObject({ state: 'CANCELLED', done: true });
  });

  it('refuses a call without the client token (401), and an agent token (403)', async () => {
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
    const post = (auth?: string) =>
      fetch(new URL('/mcp', cp.url), { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(auth ? { authorization: auth } : {}) }, body: JSON.stringify(init) });
    expect((await post()).status).toBe(401);
    expect((await post('Bearer wrong')).status).toBe(401);
    expect((await post(`Bearer ${cp.agentToken}`)).status).toBe(403);
    // Stateless: no standing server stream to open.
    expect((await fetch(new URL('/mcp', cp.url), { headers: { authorization: `Bearer ${cp.clientToken}`, accept: 'text/event-stream' } })).status).toBe(405);
    await expect(connectHttp('wrong')).rejects.toThrow();
  });

  it('bad arguments are tool errors that store nothing', async () => {
    const missing = await call(http, 'submit_job', { requirement: CAP });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/script .*or artifact/);
    const badType = await call(http, 'submit_job', { script: 'print(1)', priority: 'high' });
    expect(badType.isError).toBe(true);
    expect(text(badType)).toMatch(/priority/);
    const cycle = await call(http, 'submit_dag', {
      jobs: [
        { id: 'cy-a', script: 'print(1)', parents: ['cy-b'] },
        { id: 'cy-b', script: 'print(2)', parents: ['cy-a'] },
      ],
    });
    expect(cycle.isError).toBe(true);
    expect(text(cycle)).toMatch(/cycle/i);
    const orphan = await call(http, 'submit_dag', { jobs: [{ id: 'or-a', script: 'print(1)', parents: ['or-nope'] }] });
    expect(orphan.isError).toBe(true);
    expect(text(orphan)).toContain('or-nope');
    for (const id of ['cy-a', 'cy-b', 'or-a']) await expect(cp.client.getJob(id)).rejects.toThrow(/no job/);
    const unknown = await call(http, 'job_status', { job_id: 'never-submitted' });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toContain('never-submitted');
    const badKey = await call(http, 'store_put', { key: '', value: 'x' });
    expect(badKey.isError).toBe(true);
    expect((await cp.client.call('listKeys', { query: { prefix: '' } })).keys).toEqual([]);
  });

  it('store, scripts, services and schedules', async () => {
    expect((await call(http, 'store_put', { key: 'mcp:k', value: 'v1' })).isError).toBeFalsy();
    expect((await call(http, 'store_get', { key: 'mcp:k' })).structuredContent!.value).toBe('v1');
    expect((await call(http, 'store_get', { key: 'mcp:none' })).structuredContent!.value).toBeNull();
    expect((await call(http, 'store_sadd', { key: 'mcp:s', member: 'a' })).structuredContent!.added).toBe(1);
    expect((await call(http, 'store_sadd', { key: 'mcp:s', member: 'a' })).structuredContent!.added).toBe(0);
    expect((await call(http, 'store_smembers', { key: 'mcp:s' })).structuredContent!.members).toEqual(['a']);
    expect((await call(http, 'deploy_script', { name: 'hello.py', source: 'print("hello from artifact")' })).isError).toBeFalsy();
    const r = await call(http, 'submit_job', { artifact: 'hello.py', requirement: CAP });
    const done = await call(http, 'wait_job', { job_id: r.structuredContent!.jobId as string, timeout_s: 60 });
    expect(done.structuredContent!.state).toBe('COMPLETED');
    expect(text(await call(http, 'job_logs', { job_id: r.structuredContent!.jobId as string, tail: 5 }))).toContain('hello from artifact');
    expect((await call(http, 'list_services')).structuredContent!.services).toEqual([]);
    expect((await call(http, 'list_schedules')).structuredContent!.schedules).toEqual([]);
    expect((await call(http, 'stop_service', { job_id: 'nope' })).isError).toBe(true);
  });

  it('submit_yaml runs a pipeline with its scripts, and reports every problem of a bad one', async () => {
    const yaml = `name: mcp-pipe\njobs:\n  - id: y-one\n    file: one.py\n    requirement: ${CAP}\n  - id: y-two\n    file: two.py\n    requirement: ${CAP}\n    depends_on: [y-one]\n`;
    const r = await call(http, 'submit_yaml', { yaml, scripts: { 'one.py': 'print("one")', 'two.py': 'print("two")' } });
    expect(r.isError, text(r)).toBeFalsy();
    const ids = r.structuredContent!.jobIds as string[];
    const done = await call(http, 'wait_job', { job_id: ids[1]!, timeout_s: 60 });
    expect(done.structuredContent!.state).toBe('COMPLETED');
    const bad = await call(http, 'submit_yaml', { yaml: 'name: x\njobs:\n  - id: a\n    file: missing.py\n    depends_on: [zz]\n' });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toMatch(/missing\.py/);
    expect(text(bad)).toMatch(/zz/);
  });
});

describe('titan mcp over stdio', () => {
  it('serves the same tools through the HTTP client', async () => {
    const client = new Client({ name: 'titan-test-stdio', version: '1.0.0' });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [path.join(ROOT, 'bin/titan.mjs'), 'mcp', '--url', cp.url, '--token', cp.clientToken],
      cwd: ROOT,
      stderr: 'pipe',
    });
    await client.connect(transport);
    try {
      await gatedDag(client, 'ms');
      const bad = await call(client, 'job_status', { job_id: 'never-there' });
      expect(bad.isError).toBe(true);
    } finally {
      await client.close();
    }
  });
});

/**
 * The dashboard end to end: a real control plane in workerd, a real agent running Python jobs,
 * and the page driven in headless Chromium (the system package; see setup-browser.mjs).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../../worker-agent/src/agent';
import { b64, startTestPlane, waitFor, type TestPlane } from '../helpers/controlPlane';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');
const LAUNCH_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A job that prints a few lines around a short sleep; B also prints markup that must stay text. */
const script = (name: string, extra = '') => `import time
print("${name} line 1", flush=True)
${extra}
time.sleep(0.3)
print("${name} line 2", flush=True)
print("${name} done", flush=True)
`;
/** vitest's expect.poll gives up after 1 s by default; a loaded CI machine needs longer. */
const eventually = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 100 });
const XSS = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>`;

describe.skipIf(!HAVE_CHROMIUM)(HAVE_CHROMIUM ? 'dashboard in headless Chromium' : `dashboard (skipped: ${CHROMIUM} is missing; run node test/e2e/setup-browser.mjs)`, () => {
  let plane: TestPlane;
  let agent: RunningAgent;
  let browser: Browser;
  let page: Page;
  let workdir: string;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    workdir = mkdtempSync(join(tmpdir(), 'titan-e2e-agent-'));
    plane = await startTestPlane();
    agent = await startAgent({ url: plane.url, token: plane.agentToken, clientToken: plane.clientToken, slots: 4, name: 'e2e-agent', workdir, heartbeatMs: 1000, log: () => {} });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.setDefaultTimeout(20_000);
  });

  afterAll(async () => {
    await browser?.close();
    await agent?.stop(2000);
    await plane?.dispose();
    if (workdir) rmSync(workdir, { recursive: true, force: true });
  });

  it('refuses a wrong token with a clear message, then signs in through the form', async () => {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await p.goto(`${plane.url}/dashboard?token=not-the-token`);
    await eventually(() => p.locator('#login-error').textContent()).toMatch(/wrong token/i);
    expect(await p.locator('#login-error').isVisible()).toBe(true);
    expect(p.url()).not.toContain('token=');
    await p.fill('#token-input', plane.agentToken);
    await p.click('#login-form button[type=submit]');
    await eventually(() => p.locator('#login-error').textContent()).toMatch(/agent token/i);
    await p.fill('#token-input', plane.clientToken);
    await p.click('#login-form button[type=submit]');
    await p.locator('#app').waitFor({ state: 'visible' });
    expect(await p.locator('#login').isVisible()).toBe(false);
    await ctx.close();
  });

  it('takes ?token= once, strips it, and lists the agent on the cluster page', async () => {
    await page.goto(`${plane.url}/?token=${encodeURIComponent(plane.clientToken)}`);
    await page.locator('#agents').getByText('e2e-agent', { exact: true }).waitFor();
    expect(page.url()).not.toContain('token=');
    expect(await page.evaluate(() => localStorage.getItem('titan.clientToken'))).toBe(plane.clientToken);
    const row = page.locator('#agents tr.agent', { hasText: 'e2e-agent' });
    expect(await row.textContent()).toContain('GENERAL');
    expect(await row.textContent()).toContain('alive');
    await page.screenshot({ path: join(ARTIFACTS, 'cluster.png'), fullPage: true });
  });

  it('draws a live DAG that ends all green, and shows a job log', async () => {
    const { dag } = await plane.client.submitDag({
      name: 'e2e-diamond',
      jobs: [
        { id: 'e2e-A', file: 'a.py', payloadB64: b64(script('A')) },
        { id: 'e2e-B', file: 'b.py', payloadB64: b64(script('B', `print(${JSON.stringify(XSS)}, flush=True)`)), parents: ['e2e-A'] },
        { id: 'e2e-C', file: 'c.py', payloadB64: b64(script('C')), parents: ['e2e-A'] },
        { id: 'e2e-D', file: 'd.py', payloadB64: b64(script('D')), parents: ['e2e-B', 'e2e-C'] },
      ],
    });
    await page.click('nav a[data-section=dags]');
    await page.locator(`a.dag-link[href="#/dags/${dag}"]`).click();
    await page.locator('#dag-graph [data-job-id="e2e-D"]').waitFor();
    expect(await page.locator('#dag-graph path.edge').count()).toBe(4);

    await page.waitForFunction(
      () => {
        const nodes = [...document.querySelectorAll('#dag-graph [data-job-id]')];
        return nodes.length === 4 && nodes.every((n) => n.getAttribute('data-status') === 'COMPLETED');
      },
      null,
      { timeout: 45_000 },
    );
    // Layers run left to right: A, then B and C, then D.
    const x = async (id: string) => (await page.locator(`[data-job-id="${id}"]`).boundingBox())!.x;
    expect(await x('e2e-A')).toBeLessThan(await x('e2e-B'));
    expect(await x('e2e-B')).toBe(await x('e2e-C'));
    expect(await x('e2e-C')).toBeLessThan(await x('e2e-D'));
    await page.screenshot({ path: join(ARTIFACTS, 'dag.png'), fullPage: true });

    await page.locator('[data-job-id="e2e-B"]').click();
    await page.waitForURL(/#\/jobs\/e2e-B$/);
    await eventually(() => page.locator('#job-status').textContent()).toBe('COMPLETED');
    await eventually(() => page.locator('#log-tail').textContent()).toContain('B done');
    const log = (await page.locator('#log-tail').textContent())!;
    expect(log.indexOf('B line 1')).toBeLessThan(log.indexOf('B line 2'));
    // Log lines are data: the markup shows as text and nothing in it ran.
    expect(log).toContain(XSS);
    expect(await page.locator('#log-tail img, #log-tail script').count()).toBe(0);
    // The run is over: the server ends the stream and the page says so instead of reconnecting.
    await eventually(() => page.locator('#log-state').textContent()).toMatch(/ended \(COMPLETED\)/);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('#job-history li').count()).toBeGreaterThanOrEqual(3);
    await page.screenshot({ path: join(ARTIFACTS, 'job.png'), fullPage: true });
  });

  it('tails a running job live and cancels it with the Cancel button', async () => {
    await plane.client.submitJob({ id: 'e2e-long', file: 'long.py', payloadB64: b64('import time\nprint("long started", flush=True)\ntime.sleep(60)\n') });
    await page.goto(`${plane.url}/#/jobs/e2e-long`);
    await eventually(() => page.locator('#job-status').textContent()).toBe('RUNNING');
    await eventually(() => page.locator('#log-tail').textContent()).toContain('long started');
    expect(await page.locator('#retry-btn').isDisabled()).toBe(true);

    await page.click('#cancel-btn');
    await eventually(() => page.locator('#job-status').textContent()).toBe('CANCELLED');
    expect(await page.locator('#action-result').textContent()).toMatch(/Cancel: done/);
    expect((await plane.client.getJob('e2e-long')).job.state).toBe('CANCELLED');
    // The agent gets the order on its next heartbeat and frees the slot.
    await waitFor(async () => (await plane.client.stats()).agents.every((a) => a.running === 0), 20_000, 200);

    await page.click('#retry-btn');
    await eventually(() => page.locator('#action-result').textContent()).toMatch(/Retry: done/);
    await eventually(() => page.locator('#job-status').textContent()).toMatch(/PENDING|RUNNING/);
    await plane.client.cancelJob('e2e-long');
  });

  it('lists a running service and stops it with its Stop button', async () => {
    await plane.client.submitJob({ id: 'e2e-svc', type: 'SERVICE', file: 'svc.py', payloadB64: b64('import time\nprint("svc up", flush=True)\ntime.sleep(120)\n') });
    await page.goto(`${plane.url}/#/services`);
    const row = page.locator('#services tr', { hasText: 'e2e-svc' });
    await eventually(() => row.textContent()).toContain('running');
    await row.locator('button[data-stop="e2e-svc"]').click();
    await eventually(() => page.locator('#services-result').textContent()).toMatch(/Stop e2e-svc: requested/);
    await row.waitFor({ state: 'detached' });
    await waitFor(async () => ['COMPLETED', 'CANCELLED'].includes((await plane.client.getJob('e2e-svc')).job.state));
  });

  it('browses TitanStore keys, values and set members', async () => {
    await plane.client.kvPut('e2e:<b>name</b>', 'value with <i>markup</i>');
    await plane.client.sadd('e2e:set', 'alpha');
    await plane.client.sadd('e2e:set', 'beta');
    await page.goto(`${plane.url}/#/store`);
    await page.fill('#store-prefix', 'e2e:');
    await page.locator('#store-keys button[data-key="e2e:<b>name</b>"]').click();
    await eventually(() => page.locator('#store-value').textContent()).toBe('value with <i>markup</i>');
    await page.locator('#store-keys button[data-key="e2e:set"]').click();
    await eventually(() => page.locator('#store-value').textContent()).toMatch(/alpha\s*beta/);
  });

  it('says so when a job does not exist', async () => {
    await page.goto(`${plane.url}/#/jobs/no-such-job`);
    // The page itself says so (and stops polling: see dashboard-look.test.ts).
    await page.locator('#job-missing').waitFor({ state: 'visible' });
    expect(await page.locator('#job-missing').textContent()).toContain('No job no-such-job.');
  });

  it('lists jobs waiting for approval and decides them: approve runs on, reject cancels what follows', async () => {
    await plane.client.submitDag({
      jobs: [
        { id: 'e2e-gate-ok', type: 'GATE', file: 'gate', approval: { message: 'Deploy <b>prod</b>?' } },
        { id: 'e2e-gate-no', type: 'GATE', file: 'gate', approval: { message: 'Drop the table?', timeoutMs: 3_600_000 } },
        { id: 'e2e-after-no', file: 'a.py', payloadB64: b64('print(1)'), requirement: 'E2E_NOBODY', parents: ['e2e-gate-no'] },
      ],
    });
    await page.goto(`${plane.url}/#/approvals`);
    const ok = page.locator('#approval-jobs tr.gate', { hasText: 'e2e-gate-ok' });
    await ok.waitFor();
    expect(await ok.textContent()).toContain('Deploy <b>prod</b>?'); // text, not markup
    await ok.locator('button.approve').click();
    await waitFor(async () => (await plane.client.getJob('e2e-gate-ok')).job.state === 'COMPLETED');
    await ok.waitFor({ state: 'detached' });
    const no = page.locator('#approval-jobs tr.gate', { hasText: 'e2e-gate-no' });
    await no.locator('input.reason').fill('not on a Friday');
    await no.locator('button.reject').click();
    await waitFor(async () => (await plane.client.getJob('e2e-gate-no')).job.state === 'DEAD');
    expect((await plane.client.getJob('e2e-gate-no')).job.error).toBe('rejected by dashboard (client token): not on a Friday');
    expect((await plane.client.getJob('e2e-after-no')).job.state).toBe('CANCELLED');
    await eventually(() => page.locator('#approval-jobs').textContent()).toContain('None');
    await page.screenshot({ path: join(ARTIFACTS, 'approvals.png'), fullPage: true });
  });

  it("shows an agent's GPUs with the job holding each, the demand panel, and the job's asks and GPUs", async () => {
    // A stand-in GPU agent registered over the API (no GPU here): last, as it never heartbeats.
    const gpu = (index: number) => ({ index, uuid: `GPU-e2e-${index}`, model: 'Stand-in <b>A100</b>', memoryMb: 40_960, freeMemoryMb: 30_720 });
    const { agentId } = await plane.agent.registerAgent({ name: 'e2e-gpu-box', capabilities: ['E2E_GPU'], slots: 2, resources: { cpus: 8, memoryMb: 16_384, gpus: [gpu(0), gpu(1)] } });
    await plane.client.submitJob({ id: 'e2e-train', file: 't.py', payloadB64: b64('print(1)'), requirement: 'E2E_GPU', gpus: 1, gpuMemoryMb: 20_480, cpus: 2 });
    const { leases } = await plane.agent.lease(agentId, { max: 1, waitMs: 0 });
    expect(leases.map((l) => l.job.id)).toEqual(['e2e-train']);
    const held = leases[0].job.assigned.gpus[0].index;

    await page.goto(`${plane.url}/#/`);
    const row = page.locator('#agents tr.agent', { hasText: 'e2e-gpu-box' });
    await row.locator(`li.gpu[data-gpu="${held}"] a[href="#/jobs/e2e-train"]`).waitFor();
    expect(await row.locator(`li.gpu[data-gpu="${1 - held}"]`).textContent()).toMatch(/GPU \d Stand-in <b>A100<\/b> 40 GiB, 30 GiB free — idle/);
    expect(await row.textContent()).toContain('2 / 8 CPUs');
    expect(await page.locator('#agents li.gpu b').allTextContents()).not.toContain('A100');
    await eventually(() => page.locator('#demand-supply').textContent()).toMatch(/E2E_GPU\s*1\s*1 \/ 2\s*1 \/ 2/);
    await page.screenshot({ path: join(ARTIFACTS, 'cluster-gpus.png'), fullPage: true });

    await row.locator('a[href="#/jobs/e2e-train"]').click();
    await page.waitForURL(/#\/jobs\/e2e-train$/);
    const dd = (label: string) => page.locator('#job-fields dt', { hasText: new RegExp(`^${label}$`) }).locator('xpath=following-sibling::dd[1]');
    await eventually(() => dd('Resources').textContent()).toBe('1 GPU ≥20 GiB, 2 CPUs');
    expect(await dd('Held').textContent()).toMatch(new RegExp(`^GPU ${held} GPU-e2e-${held} · 2 CPUs$`));
  });
});

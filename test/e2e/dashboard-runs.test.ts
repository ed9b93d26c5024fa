/**
 * The run pages end to end (issue 18): a DAG's run timeline and its Cancel DAG / Retry failed part
 * actions, the jobs page's paging and search, and the Cluster page's live charts. A real control
 * plane in workerd, a real agent, headless Chromium, as in dashboard.test.ts; screenshots go to
 * test/artifacts/.
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
const AGENT = 'runs-agent';
/** Jobs no agent can take (no agent has this capability): they stay queued, to page through and to chart. */
const NOBODY = 'RUNS_NOBODY';
const PARKED = 205;

const eventually = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: 30_000, interval: 100 });
const sleepy = (name: string, seconds: number) => b64(`import time\nprint("${name}", flush=True)\ntime.sleep(${seconds})\n`);

describe.skipIf(!HAVE_CHROMIUM)(HAVE_CHROMIUM ? 'run pages in headless Chromium' : `run pages (skipped: ${CHROMIUM} is missing; run node test/e2e/setup-browser.mjs)`, () => {
  let plane: TestPlane;
  let agent: RunningAgent;
  let browser: Browser;
  let page: Page;
  let workdir: string;
  /** What each confirmation asked; every one is accepted. */
  const dialogs: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    workdir = mkdtempSync(join(tmpdir(), 'titan-e2e-runs-'));
    plane = await startTestPlane();
    agent = await startAgent({ url: plane.url, token: plane.agentToken, clientToken: plane.clientToken, slots: 4, name: AGENT, workdir, heartbeatMs: 1000, log: () => {} });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(30_000);
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.accept();
    });
    await page.goto(`${plane.url}/?token=${encodeURIComponent(plane.clientToken)}`);
    await page.locator('#app').waitFor({ state: 'visible' });
  });

  afterAll(async () => {
    await browser?.close();
    await agent?.stop(2000);
    await plane?.dispose();
    if (workdir) rmSync(workdir, { recursive: true, force: true });
  });

  /** A timeline row's segment of one kind, as numbers. */
  const segment = async (job: string, kind: string) => {
    const rect = page.locator(`#dag-timeline [data-tl-job="${job}"] rect[data-kind="${kind}"]`);
    const [x, w] = await Promise.all([rect.getAttribute('x'), rect.getAttribute('width')]);
    return { x: Number(x), end: Number(x) + Number(w) };
  };

  it('draws the run timeline of a finished DAG: a row per job with its agent, in the order the work ran', async () => {
    const { dag } = await plane.client.submitDag({
      name: 'runs-diamond',
      jobs: [
        { id: 'runs-A', file: 'a.py', payloadB64: sleepy('A', 0.5) },
        { id: 'runs-B', file: 'b.py', payloadB64: sleepy('B', 0.8), parents: ['runs-A'] },
        { id: 'runs-C', file: 'c.py', payloadB64: sleepy('C', 0.3), parents: ['runs-A'] },
        { id: 'runs-D', file: 'd.py', payloadB64: sleepy('D', 0.3), parents: ['runs-B', 'runs-C'] },
      ],
    });
    await waitFor(async () => (await plane.client.getDag(dag)).jobs.every((j) => j.state === 'COMPLETED'), 45_000, 200);

    await page.goto(`${plane.url}/#/dags/${dag}`);
    const rows = page.locator('#dag-timeline [data-tl-job]');
    await eventually(() => rows.count()).toBe(4);
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-tl-job')))).toEqual(expect.arrayContaining(['runs-A', 'runs-B', 'runs-C', 'runs-D']));
    expect(await rows.first().getAttribute('data-tl-job')).toBe('runs-A');
    expect(await rows.last().getAttribute('data-tl-job')).toBe('runs-D');
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-node')))).toEqual([AGENT, AGENT, AGENT, AGENT]);
    expect(await page.locator('#dag-timeline .tl-node').first().textContent()).toBe(AGENT);
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED']);

    // One time axis: a child's run starts after its parent's run ended, and D waited for both parents.
    const a = await segment('runs-A', 'running');
    const b = await segment('runs-B', 'running');
    const c = await segment('runs-C', 'running');
    const d = await segment('runs-D', 'running');
    expect(b.x).toBeGreaterThanOrEqual(a.end - 1);
    expect(c.x).toBeGreaterThanOrEqual(a.end - 1);
    expect(d.x).toBeGreaterThanOrEqual(Math.max(b.end, c.end) - 1);
    expect(b.end - b.x).toBeGreaterThan(c.end - c.x); // B slept longer than C
    expect((await segment('runs-D', 'waiting')).end).toBeGreaterThan((await segment('runs-A', 'running')).end - 1);
    expect(await page.locator('#dag-timeline .tl-now').count()).toBe(0); // nothing is live: no "now" line
    expect(await page.locator('#dag-timeline [data-tl-job="runs-B"] title').textContent()).toMatch(/^runs-B on runs-agent — COMPLETED: .*ran \d/);

    // Nothing to cancel or retry in a DAG that completed.
    expect(await page.locator('#dag-cancel-btn').isDisabled()).toBe(true);
    expect(await page.locator('#dag-retry-btn').isDisabled()).toBe(true);

    // A timeline row leads to its job.
    await page.screenshot({ path: join(ARTIFACTS, 'dag-timeline.png'), fullPage: true });
    await page.locator('#dag-timeline [data-tl-job="runs-C"]').click();
    await page.waitForURL(/#\/jobs\/runs-C$/);
  });

  it('retries the failed part of a DAG and cancels the rest, each after a confirmation, showing what it did', async () => {
    const { dag } = await plane.client.submitDag({
      name: 'runs-actions',
      jobs: [
        { id: 'runs-F', file: 'f.py', payloadB64: b64('import sys\nprint("failing", flush=True)\nsys.exit(3)\n'), maxRetries: 0 },
        { id: 'runs-G', file: 'g.py', payloadB64: sleepy('G', 0), parents: ['runs-F'] },
        { id: 'runs-L', file: 'l.py', payloadB64: sleepy('L', 120) },
      ],
    });
    const states = async () => Object.fromEntries((await plane.client.getDag(dag)).jobs.map((j) => [j.id, j.state]));
    await waitFor(async () => {
      const s = await states();
      return s['runs-F'] === 'DEAD' && s['runs-G'] === 'CANCELLED' && s['runs-L'] === 'RUNNING';
    }, 45_000, 200);

    await page.goto(`${plane.url}/#/dags/${dag}`);
    await eventually(() => page.locator('#dag-retry-btn').isEnabled()).toBe(true);
    await eventually(() => page.locator('#dag-cancel-btn').isEnabled()).toBe(true);
    // L runs: its row reaches the "now" line.
    await page.locator('#dag-timeline .tl-now').waitFor({ state: 'attached' });

    await page.click('#dag-retry-btn');
    await eventually(() => page.locator('#dag-action-result').textContent()).toMatch(/^Retry failed part: done — 2 jobs running again \(runs-[FG], runs-[FG]\)\.$/);
    expect(await page.locator('#dag-action-result').getAttribute('class')).toBe('result ok');
    expect(dialogs.at(-1)).toMatch(/^Retry the failed part of DAG runs-actions\? Failed or cancelled: 2 jobs\./);
    const rerun = await plane.client.getDag(dag);
    expect(rerun.jobs.find((j) => j.id === 'runs-F')!.run).toBe(2);
    expect(rerun.jobs.find((j) => j.id === 'runs-G')!.run).toBe(2);
    expect(rerun.jobs.find((j) => j.id === 'runs-L')!.run).toBe(1); // the running job was left alone

    // F fails again and cancels G; then cancel what is left: L.
    const status = (id: string) => page.locator(`#dag-timeline [data-tl-job="${id}"]`).getAttribute('data-status');
    await eventually(() => status('runs-F')).toBe('FAILED');
    await eventually(() => status('runs-G')).toBe('CANCELLED');
    await page.click('#dag-cancel-btn');
    await eventually(() => page.locator('#dag-action-result').textContent()).toBe('Cancel DAG: done — 1 job cancelled (runs-L).');
    expect(dialogs.at(-1)).toMatch(/^Cancel DAG runs-actions\? 1 job not ended yet will be cancelled/);
    expect((await states())['runs-L']).toBe('CANCELLED');
    await eventually(() => page.locator('#dag-cancel-btn').isDisabled()).toBe(true);
    expect(await page.locator('#dag-retry-btn').isEnabled()).toBe(true);
    await eventually(() => page.locator('#dag-timeline [data-tl-job="runs-L"]').getAttribute('data-status')).toBe('CANCELLED');
    await page.screenshot({ path: join(ARTIFACTS, 'dag-actions.png'), fullPage: true });
  });

  it('pages through the jobs page, searches it, and keeps the query in a linkable address', async () => {
    const park = Array.from({ length: PARKED }, (_, i) => ({ id: `runs-page-${String(i).padStart(3, '0')}`, file: 'p.py', payloadB64: b64('print(1)'), requirement: NOBODY }));
    await plane.client.submitDag({ name: 'runs-parked', jobs: park });
    const { total } = await plane.client.listJobs({ limit: 1 });
    expect(total).toBeGreaterThan(200);

    await page.goto(`${plane.url}/#/jobs`);
    const rows = page.locator('#job-list tr.job-row');
    await eventually(() => page.locator('#job-count').textContent()).toBe(`Showing 1–200 of ${total} jobs`);
    expect(await rows.count()).toBe(200);
    expect(await page.locator('#job-prev').isDisabled()).toBe(true);

    await page.click('#job-next');
    await eventually(() => page.locator('#job-count').textContent()).toBe(`Showing 201–${total} of ${total} jobs`);
    expect(await rows.count()).toBe(total - 200);
    expect(page.url()).toMatch(/#\/jobs\?offset=200$/);
    expect(await page.locator('#job-next').isDisabled()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'jobs-page-2.png'), fullPage: true });
    await page.click('#job-prev');
    await eventually(() => page.locator('#job-count').textContent()).toBe(`Showing 1–200 of ${total} jobs`);

    // Search by id: the query goes into the address and the page starts over.
    await page.fill('#job-search', 'runs-page-01');
    await eventually(() => page.locator('#job-count').textContent()).toBe('10 jobs');
    const found = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-job-id')));
    expect(found.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `runs-page-01${i}`));
    expect(page.url()).toMatch(/#\/jobs\?q=runs-page-01$/);
    await page.screenshot({ path: join(ARTIFACTS, 'jobs-search.png'), fullPage: true });

    // The address is a link to the same page: a reload (or a pasted link) shows it again.
    await page.selectOption('#job-filter', 'QUEUED');
    await eventually(async () => page.url()).toMatch(/#\/jobs\?state=QUEUED&q=runs-page-01$/);
    await page.reload();
    await eventually(() => page.locator('#job-count').textContent()).toBe('10 jobs');
    expect(await page.inputValue('#job-search')).toBe('runs-page-01');
    expect(await page.inputValue('#job-filter')).toBe('QUEUED');
    await page.selectOption('#job-filter', 'COMPLETED');
    await eventually(() => page.locator('#job-list').textContent()).toBe('No job matches.');
    expect(await page.locator('#job-count').textContent()).toBe('0 jobs');

    // By capability (the search is case-insensitive) and by agent name.
    await page.selectOption('#job-filter', '');
    await page.fill('#job-search', NOBODY.toLowerCase());
    await eventually(() => page.locator('#job-count').textContent()).toBe(`Showing 1–200 of ${PARKED} jobs`);
    const ran = (await plane.client.listJobs({ q: AGENT })).total;
    expect(ran).toBeGreaterThanOrEqual(4);
    await page.fill('#job-search', AGENT);
    await eventually(() => page.locator('#job-count').textContent()).toBe(`${ran} jobs`);
    expect(new Set(await page.locator('#job-list tr.job-row td:nth-child(5)').allTextContents())).toEqual(new Set([AGENT]));

    // A page past the end (an old link) moves to the last page there is.
    await page.goto(`${plane.url}/#/jobs?q=${NOBODY}&offset=4000`);
    await eventually(() => page.locator('#job-count').textContent()).toBe(`Showing 201–${PARKED} of ${PARKED} jobs`);
    expect(page.url()).toMatch(/offset=200$/);
  });

  it('charts queue depth, throughput and agent utilisation live on the Cluster page', async () => {
    await page.goto(`${plane.url}/#/`);
    const queued = page.locator('[data-chart="queue"] path[data-series="queued"]');
    await eventually(() => queued.getAttribute('data-last')).toBe(String(PARKED));
    // Jobs finishing while the page watches show up as throughput, and the agent's slots fill while they run.
    await plane.client.submitDag({ jobs: Array.from({ length: 4 }, (_, i) => ({ id: `runs-tp-${i}`, file: 't.py', payloadB64: sleepy(`tp${i}`, 2) })) });
    const agentLine = page.locator(`[data-chart="utilisation"] path[data-series="${AGENT}"]`);
    await eventually(async () => Number(await agentLine.getAttribute('data-last'))).toBeGreaterThan(0);
    const finished = () => page.locator('[data-chart="throughput"] .ch-bar').evaluateAll((els) => els.reduce((n, e) => n + Number(e.getAttribute('data-completed')), 0));
    await eventually(finished).toBeGreaterThanOrEqual(4);
    expect(await page.locator('#chart-throughput-legend').textContent()).toMatch(/completed\s*[4-9]/);
    expect(await page.locator('#chart-utilisation-legend').textContent()).toContain(AGENT);
    expect(await queued.getAttribute('d')).toMatch(/^M[\d.]+,[\d.]+( L[\d.]+,[\d.]+)+/);
    expect(await page.locator('#chart-queue-legend').textContent()).toMatch(new RegExp(`queued\\s*${PARKED}`));
    await page.screenshot({ path: join(ARTIFACTS, 'cluster-charts.png'), fullPage: true });
  });
});

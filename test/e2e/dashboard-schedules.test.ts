/**
 * The Schedules page end to end: schedules made through the API, a real agent running their ticks,
 * and the page's Pause / Resume / Run now / Delete driven in headless Chromium.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScheduleSpecInput } from '../../control-plane/src/contract/schedules';
import { startAgent, type RunningAgent } from '../../worker-agent/src/agent';
import { b64, startTestPlane, waitFor, type TestPlane } from '../helpers/controlPlane';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');
const LAUNCH_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const eventually = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 100 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const job = { id: 'tick', file: 'tick.py', payloadB64: b64('import os\nprint("tick at", os.environ["TITAN_SCHEDULED_AT"], flush=True)\n') };
const spec = (extra: Partial<ScheduleSpecInput>): ScheduleSpecInput => ({ cron: '@every 2s', dag: { jobs: [job] }, ...extra });

describe.skipIf(!HAVE_CHROMIUM)(HAVE_CHROMIUM ? 'Schedules page in headless Chromium' : `Schedules page (skipped: ${CHROMIUM} is missing; run node test/e2e/setup-browser.mjs)`, () => {
  let plane: TestPlane;
  let agent: RunningAgent;
  let browser: Browser;
  let page: Page;
  let workdir: string;
  const dialogs: string[] = [];
  let acceptDialogs = false;

  const get = async (name: string) => (await plane.client.getSchedule(name)).schedule;
  const row = (name: string) => page.locator(`#schedules tr.schedule[data-schedule="${name}"]`);

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    workdir = mkdtempSync(join(tmpdir(), 'titan-e2e-sched-'));
    plane = await startTestPlane();
    agent = await startAgent({ url: plane.url, token: plane.agentToken, clientToken: plane.clientToken, slots: 4, name: 'e2e-sched-agent', workdir, heartbeatMs: 1000, log: () => {} });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 700 } });
    page.setDefaultTimeout(20_000);
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void (acceptDialogs ? d.accept() : d.dismiss());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await agent?.stop(2000);
    await plane?.dispose();
    if (workdir) rmSync(workdir, { recursive: true, force: true });
  });

  it('lists schedules made through the API with their next tick and last run', { timeout: 60_000 }, async () => {
    await plane.client.call('putSchedule', { params: { name: 'e2e-every' }, body: spec({}) });
    await plane.client.call('putSchedule', { params: { name: 'e2e-nightly' }, body: spec({ cron: '0 3 * * *', timezone: 'Europe/Paris', overlap: 'allow' }) });
    await plane.client.call('putSchedule', { params: { name: 'e2e-held' }, body: spec({ cron: '@hourly', paused: true }) });
    await page.goto(`${plane.url}/?token=${encodeURIComponent(plane.clientToken)}#/schedules`);
    await row('e2e-nightly').waitFor();
    expect(await page.locator('nav a.active').textContent()).toBe('Schedules');

    const nightly = await get('e2e-nightly');
    const text = (await row('e2e-nightly').textContent())!;
    expect(text).toContain('0 3 * * *');
    expect(text).toContain('Europe/Paris');
    expect(text).toMatch(/in \d+h \d\dm|in \d+m/); // 03:00 Paris is under a day away
    expect(await row('e2e-nightly').locator('.sched-next small').getAttribute('title')).toBe(new Date(nightly.nextAt!).toISOString());
    expect(await row('e2e-held').locator('.sched-paused').textContent()).toBe('yes');
    expect(await row('e2e-held').locator('.sched-next').textContent()).toBe('paused');
    expect(await row('e2e-held').locator('button[data-action=resume]').count()).toBe(1);

    // The 2 s schedule runs on the agent: its last run links to its DAG and turns COMPLETED.
    const last = row('e2e-every').locator('.sched-last a.dag-link');
    await last.waitFor({ timeout: 30_000 });
    await eventually(() => row('e2e-every').locator('.sched-last .badge').textContent()).toBe('COMPLETED');
    const s = await get('e2e-every');
    expect(s.runs).toBeGreaterThanOrEqual(1);
    expect((await plane.client.getDag(s.lastDag!)).name).toMatch(/^e2e-every @ \d{4}-/);
    await page.screenshot({ path: join(ARTIFACTS, 'schedules.png'), fullPage: true });
  });

  it('pauses and resumes a schedule: paused, it stops ticking', { timeout: 60_000 }, async () => {
    await row('e2e-every').locator('button[data-action=pause]').click();
    await eventually(() => page.locator('#schedules-result').textContent()).toBe('Schedule e2e-every paused.');
    await eventually(() => row('e2e-every').locator('.sched-paused').textContent()).toBe('yes');
    expect(await row('e2e-every').locator('.sched-next').textContent()).toBe('paused');
    const runs = (await get('e2e-every')).runs;
    expect((await get('e2e-every')).paused).toBe(true);
    await sleep(4500);
    expect((await get('e2e-every')).runs).toBe(runs);

    await row('e2e-every').locator('button[data-action=resume]').click();
    await eventually(() => page.locator('#schedules-result').textContent()).toMatch(/^Schedule e2e-every resumed: next tick (in \ds|due now)\.$/);
    await eventually(() => row('e2e-every').locator('.sched-paused').textContent()).toBe('no');
    await waitFor(async () => (await get('e2e-every')).runs > runs, 15_000, 200);
    await eventually(() => row('e2e-every').locator('.sched-runs').textContent()).not.toBe(String(runs));
  });

  it('runs a schedule now, outside its timetable', { timeout: 60_000 }, async () => {
    expect((await get('e2e-nightly')).runs).toBe(0);
    await row('e2e-nightly').locator('button[data-action=run]').click();
    await eventually(() => page.locator('#schedules-result').textContent()).toMatch(/^Schedule e2e-nightly: started \S+\.$/);
    const s = await get('e2e-nightly');
    expect(s).toMatchObject({ runs: 1, lastNote: 'triggered by hand' });
    await eventually(() => row('e2e-nightly').locator('.sched-runs').textContent()).toBe('1');
    expect(await row('e2e-nightly').locator('.sched-note').textContent()).toBe('triggered by hand');
    expect(await row('e2e-nightly').locator('.sched-last a.dag-link').getAttribute('href')).toBe(`#/dags/${s.lastDag}`);
    await eventually(async () => (await plane.client.getDag(s.lastDag!)).jobs[0].status).toBe('COMPLETED');
  });

  it('deletes a schedule only once confirmed', { timeout: 60_000 }, async () => {
    acceptDialogs = false;
    await row('e2e-nightly').locator('button[data-action=delete]').click();
    expect(dialogs.at(-1)).toMatch(/^Delete schedule e2e-nightly\?/);
    await sleep(1500);
    expect((await get('e2e-nightly')).name).toBe('e2e-nightly');
    expect(await row('e2e-nightly').count()).toBe(1);

    acceptDialogs = true;
    await row('e2e-nightly').locator('button[data-action=delete]').click();
    await eventually(() => page.locator('#schedules-result').textContent()).toBe('Schedule e2e-nightly deleted.');
    await row('e2e-nightly').waitFor({ state: 'detached' });
    await expect(get('e2e-nightly')).rejects.toThrow(/no schedule e2e-nightly/);
    // Its run stays.
    expect((await plane.client.listDags({})).dags.some((d) => d.name?.startsWith('e2e-nightly @'))).toBe(true);
    await plane.client.deleteSchedule('e2e-every');
    await plane.client.deleteSchedule('e2e-held');
    expect((await plane.client.listSchedules()).schedules).toEqual([]);
    await eventually(() => page.locator('#schedules').textContent()).toBe('No schedules.');
  });
});

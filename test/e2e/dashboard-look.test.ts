/**
 * How the dashboard looks and behaves in a real browser: logs (ANSI colours, line numbers and
 * times, search, download of every run, a 20,000-line log that stays smooth), a 60-job fan-out
 * that stays a bounded height, dark mode, phone width, and the unknown job page. Every page is
 * photographed light, dark and at phone width into test/artifacts/look/.
 *
 * The jobs run on a stand-in agent driven over the API (lease, append logs, complete), so each
 * log and each status is exactly what the test wrote.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstSeq, type LogLine } from '../../control-plane/src/contract/logs';
import { b64, startTestPlane, type TestPlane } from '../helpers/controlPlane';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts', 'look');
const LAUNCH_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const eventually = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 100 });

const CAP = 'LOOK';
const BIG_LINES = 20_000;
const NEEDLE = 'needle-7f3';
const NEEDLE_AT = [5, 12_345, 19_999];
const FAN = 60;
const FAILED_KID = 'look-k37'; // beyond the kids a folded level shows first: it must stay in view anyway
const XSS = `<img src=x onerror="window.__pwned=1">`;

/** The run-2 log of look-ansi: what each line must look like once rendered. */
const ANSI_LINES = [
  '\x1b[31mred alert\x1b[0m and plain',
  '\x1b[1mbold words\x1b[22m',
  '\x1b[38;5;208morange 256\x1b[0m',
  '\x1b[38;2;10;200;30mtruecolor green\x1b[0m',
  '\x1b]0;a window title\x07\x1b[2Kcleared line',
  ' 10%|#    |\r 60%|###  |\r100%|#####|',
  `markup stays text: ${XSS}`,
];

describe.skipIf(!HAVE_CHROMIUM)(HAVE_CHROMIUM ? 'dashboard look and feel in headless Chromium' : `dashboard look (skipped: ${CHROMIUM} is missing)`, () => {
  let plane: TestPlane;
  let browser: Browser;
  let agentId: string;
  let fanDag: string;
  const contexts: BrowserContext[] = [];

  /** A signed-in page: the token goes in once through ?token=, as a user's first visit would. */
  async function open(options: BrowserContextOptions = {}): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true, ...options });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${plane.url}/?token=${encodeURIComponent(plane.clientToken)}#/`);
    await page.locator('#app').waitFor({ state: 'visible' });
    return page;
  }

  /** Lease the named job on the stand-in agent, write its log, and report how it ended. */
  async function runOnStandIn(jobId: string, texts: string[], status: 'COMPLETED' | 'FAILED' = 'COMPLETED'): Promise<void> {
    const { leases } = await plane.agent.lease(agentId, { max: 1, waitMs: 0 });
    expect(leases.map((l) => l.job.id)).toEqual([jobId]);
    const { leaseId, job } = leases[0];
    const base = firstSeq(job.attempt);
    for (let i = 0; i < texts.length; i += 5000) {
      const lines: LogLine[] = texts.slice(i, i + 5000).map((text, k) => ({ seq: base + i + k + 1, ts: Date.now(), stream: 'stdout', text }));
      await plane.agent.appendLogs(jobId, { leaseId, run: job.run, lines });
    }
    await plane.agent.complete(agentId, [{ leaseId, status, exitCode: status === 'COMPLETED' ? 0 : 1 }]);
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // Leases and the agent must outlive the test; a small LOG_MAX_LINES rolls the big log to R2, so the download reads chunks too.
    plane = await startTestPlane({ LEASE_TTL_MS: '600000', AGENT_SILENT_MS: '600000', LOG_MAX_LINES: '8000' });
    ({ agentId } = await plane.agent.registerAgent({ name: 'look-agent', capabilities: [CAP], slots: 200 }));
    const job = (id: string) => ({ id, file: `${id}.py`, payloadB64: b64('print(1)'), requirement: CAP, maxRetries: 0 });

    // Two runs: the page follows the newest; the download has both.
    await plane.client.submitJob(job('look-ansi'));
    await runOnStandIn('look-ansi', ['first run, line one', 'first run, line two']);
    await plane.client.retryJob('look-ansi');
    await runOnStandIn('look-ansi', ANSI_LINES);

    const big = Array.from({ length: BIG_LINES }, (_, i) => {
      const n = i + 1;
      const text = `line ${String(n).padStart(5, '0')} ${NEEDLE_AT.includes(n) ? `${NEEDLE} ` : ''}${'·'.repeat(n % 40)}`;
      return n % 100 === 0 ? `\x1b[33m${text}\x1b[0m` : text;
    });
    await plane.client.submitJob(job('look-big'));
    await runOnStandIn('look-big', big);

    // A 60-job fan-out and its join: root done, one child failed, 40 done, the rest still running.
    const kids = Array.from({ length: FAN }, (_, i) => `look-k${String(i).padStart(2, '0')}`);
    ({ dag: fanDag } = await plane.client.submitDag({
      name: 'look-fan-out',
      jobs: [job('look-root'), ...kids.map((k) => ({ ...job(k), parents: ['look-root'] })), { ...job('look-join'), parents: kids }],
    }));
    await runOnStandIn('look-root', ['root done']);
    const { leases } = await plane.agent.lease(agentId, { max: FAN, waitMs: 0 });
    expect(leases).toHaveLength(FAN);
    const byJob = new Map(leases.map((l) => [l.job.id, l.leaseId]));
    await plane.agent.complete(agentId, [
      { leaseId: byJob.get(FAILED_KID)!, status: 'FAILED', exitCode: 1, error: 'boom' },
      ...kids.slice(0, 40).filter((k) => k !== FAILED_KID).map((k) => ({ leaseId: byJob.get(k)!, status: 'COMPLETED' as const, exitCode: 0 })),
    ]);

    await plane.client.kvPut('look:greeting', 'hello');
    await plane.client.submitJob({ id: 'look-gate', type: 'GATE', file: 'gate', approval: { message: 'Ship the look?' } });
    await plane.client.call('putSchedule', { params: { name: 'look-nightly' }, body: { cron: '0 3 * * *', timezone: 'Europe/Paris', paused: true, dag: { jobs: [{ id: 'n', file: 'n.py', payloadB64: Buffer.from('print(1)').toString('base64') }] } } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await plane?.dispose();
  });

  /** Every page, with what shows it is drawn. */
  const PAGES: { name: string; hash: string; ready: (p: Page) => Promise<unknown> }[] = [
    { name: 'cluster', hash: '#/', ready: (p) => p.locator('#agents tr.agent', { hasText: 'look-agent' }).waitFor() },
    { name: 'dags', hash: '#/dags', ready: (p) => p.locator('a.dag-link').first().waitFor() },
    { name: 'dag-fan-out', hash: '', ready: (p) => p.locator('#dag-graph .more-node').waitFor() },
    { name: 'jobs', hash: '#/jobs', ready: (p) => p.locator('#job-list').getByText('look-ansi').first().waitFor() },
    { name: 'job-ansi-log', hash: '#/jobs/look-ansi', ready: (p) => p.locator('#log-tail .ln', { hasText: 'cleared line' }).waitFor() },
    { name: 'job-big-log', hash: '#/jobs/look-big', ready: (p) => p.locator('#log-tail .ln[data-n="20000"]').waitFor() },
    { name: 'services', hash: '#/services', ready: (p) => p.locator('#services > *').first().waitFor() },
    { name: 'store', hash: '#/store', ready: (p) => p.locator('#store-keys button[data-key="look:greeting"]').waitFor() },
    { name: 'schedules', hash: '#/schedules', ready: (p) => p.locator('#schedules tr.schedule', { hasText: 'look-nightly' }).waitFor() },
    { name: 'approvals', hash: '#/approvals', ready: (p) => p.locator('#approval-jobs tr.gate').first().waitFor() },
    { name: 'unknown-job', hash: '#/jobs/no-such-look-job', ready: (p) => p.locator('#job-missing').waitFor() },
  ];

  /** Visit every page, run `check` on each, and keep a full-page screenshot named after the theme. */
  async function visitAll(page: Page, theme: string, check: (name: string) => Promise<void> = async () => {}): Promise<void> {
    for (const { name, hash, ready } of PAGES) {
      await page.goto(`${plane.url}/${hash || `#/dags/${fanDag}`}`);
      await ready(page);
      await page.waitForTimeout(150); // one more poll's worth of drawing
      await check(name);
      await page.screenshot({ path: join(ARTIFACTS, `${theme}-${name}.png`), fullPage: true });
    }
    const signedOut = await browser.newContext({ viewport: page.viewportSize()!, colorScheme: theme === 'dark' ? 'dark' : 'light' });
    contexts.push(signedOut);
    const login = await signedOut.newPage();
    await login.goto(`${plane.url}/`);
    await login.locator('#login').waitFor({ state: 'visible' });
    await login.screenshot({ path: join(ARTIFACTS, `${theme}-login.png`), fullPage: true });
  }

  it('renders ANSI colours as coloured spans, with line numbers and times, and never a raw escape', async () => {
    const page = await open();
    await page.goto(`${plane.url}/#/jobs/look-ansi`);
    const tail = page.locator('#log-tail');
    await tail.locator('.ln', { hasText: 'markup stays text' }).waitFor();
    const text = (await tail.textContent())!;
    expect(text).not.toContain('\x1b');
    expect(text).not.toMatch(/\[\d+(;\d+)*m/);
    expect(text).not.toContain('window title');
    expect(text).toContain('100%|#####|');
    expect(text).not.toContain('10%|#');
    expect(text).toContain(XSS);
    expect(await tail.locator('img').count()).toBe(0);

    const color = (sel: string, hasText: string) => tail.locator(sel, { hasText }).first().evaluate((el) => getComputedStyle(el).color);
    expect(await color('span.ansi-fg-1', 'red alert')).toBe('rgb(248, 113, 113)');
    expect(await tail.locator('span.ansi-bold', { hasText: 'bold words' }).evaluate((el) => getComputedStyle(el).fontWeight)).toBe('700');
    // 256-colour and 24-bit colours are set through the CSSOM: the strict CSP must let them through.
    expect(await color('span', 'orange 256')).toBe('rgb(255, 135, 0)');
    expect(await color('span', 'truecolor green')).toBe('rgb(10, 200, 30)');

    // The newest run is shown, numbered from 1, each line with its time; the gutter is not part of the text.
    const first = tail.locator('.ln').first();
    expect(await first.getAttribute('data-n')).toBe('1');
    expect(await first.locator('.ts').getAttribute('data-ts')).toMatch(/^\d\d:\d\d:\d\d\.\d{3}$/);
    expect(await first.evaluate((el) => getComputedStyle(el, '::before').content)).toBe('"1"');
    expect(await first.textContent()).toBe('red alert and plain');
    await page.uncheck('#log-times');
    expect(await first.locator('.ts').isVisible()).toBe(false);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.screenshot({ path: join(ARTIFACTS, 'log-ansi.png'), fullPage: true });
  });

  it('keeps a 20,000-line log smooth: a window of rows in the DOM, fast to open and to scroll', async () => {
    const page = await open();
    const opened = Date.now();
    await page.goto(`${plane.url}/#/jobs/look-big`);
    // Follow is on: the last line comes into view.
    await page.locator('#log-tail .ln[data-n="20000"]').waitFor();
    const openMs = Date.now() - opened;
    expect(openMs).toBeLessThan(15_000);
    expect(await page.locator('#log-tail .ln').count()).toBeLessThan(150);
    expect(await page.isChecked('#follow')).toBe(true);

    // Scroll through the whole log in 60 jumps, one frame each: every frame draws its rows.
    const { ms, worstRows, drawn } = await page.evaluate(async () => {
      const log = document.getElementById('log-tail')!;
      const frame = () => new Promise((r) => requestAnimationFrame(() => r(null)));
      const t = performance.now();
      let worstRows = 0;
      let drawn = 0;
      for (let i = 0; i <= 60; i++) {
        log.scrollTop = (log.scrollHeight * i) / 60;
        await frame();
        await frame();
        const rows = log.querySelectorAll('.ln');
        worstRows = Math.max(worstRows, rows.length);
        const n = Number(rows[Math.floor(rows.length / 2)]?.getAttribute('data-n'));
        if (Math.abs(n * 19 - log.scrollTop) < log.clientHeight + 40 * 19) drawn++;
      }
      return { ms: performance.now() - t, worstRows, drawn };
    });
    expect(worstRows).toBeLessThan(150);
    expect(drawn).toBe(61);
    expect(ms).toBeLessThan(5000);
    // Scrolling up lets go of follow; scrolling back to the end takes it up again.
    await page.locator('#log-tail').evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
    await eventually(() => page.isChecked('#follow')).toBe(false);
    await page.locator('#log-tail').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await eventually(() => page.isChecked('#follow')).toBe(true);
  });

  it('searches within the log: counts, highlights and steps to each match', async () => {
    const page = await open();
    await page.goto(`${plane.url}/#/jobs/look-big`);
    await page.locator('#log-tail .ln[data-n="20000"]').waitFor();
    await page.fill('#log-search', NEEDLE);
    // The search starts where the reader is: at the end (follow), so on the last match.
    await eventually(() => page.locator('#log-matches').textContent()).toBe('3 / 3');
    const current = page.locator('#log-tail mark.current');
    await expect.poll(() => current.textContent()).toBe(NEEDLE);
    const rowOf = () => current.evaluate((el) => el.closest('.ln')!.getAttribute('data-n'));
    expect(await rowOf()).toBe(String(NEEDLE_AT[2]));
    // Enter steps on, wrapping round to the first; the buttons and Shift+Enter step either way.
    await page.press('#log-search', 'Enter');
    await eventually(rowOf).toBe(String(NEEDLE_AT[0]));
    expect(await page.locator('#log-matches').textContent()).toBe('1 / 3');
    await page.click('#log-next');
    await eventually(rowOf).toBe(String(NEEDLE_AT[1]));
    expect(await page.locator('#log-matches').textContent()).toBe('2 / 3');
    expect(await current.isVisible()).toBe(true);
    await page.click('#log-next');
    await eventually(rowOf).toBe(String(NEEDLE_AT[2]));
    await page.click('#log-prev');
    await eventually(rowOf).toBe(String(NEEDLE_AT[1]));
    await page.press('#log-search', 'Shift+Enter');
    await eventually(rowOf).toBe(String(NEEDLE_AT[0]));
    expect(await page.isChecked('#follow')).toBe(false);
    // Coloured rows keep their colour around a hit; a query with no hit says so.
    await page.fill('#log-search', 'line 12300');
    await eventually(() => page.locator('#log-tail mark.current').evaluate((el) => el.closest('.ln')!.getAttribute('data-n'))).toBe('12300');
    expect(await page.locator('#log-tail .ln[data-n="12300"] .ansi-fg-3').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'log-search.png') });
    await page.fill('#log-search', 'no such text anywhere');
    await eventually(() => page.locator('#log-matches').textContent()).toBe('no matches');
  });

  it('downloads the whole log: every line of every run, read page by page', async () => {
    const page = await open();
    await page.goto(`${plane.url}/#/jobs/look-big`);
    await page.locator('#log-tail .ln').first().waitFor();
    const [big] = await Promise.all([page.waitForEvent('download'), page.click('#log-download')]);
    expect(big.suggestedFilename()).toBe('look-big.log');
    const bigText = readFileSync((await big.path())!, 'utf8');
    const rows = bigText.trimEnd().split('\n');
    expect(rows[0]).toBe(`==== look-big · run 1 · ${BIG_LINES} lines ====`);
    expect(rows).toHaveLength(BIG_LINES + 1);
    expect(rows[1]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z line 00001/);
    expect(rows[BIG_LINES]).toContain('line 20000');

    await page.goto(`${plane.url}/#/jobs/look-ansi`);
    await page.locator('#log-tail .ln').first().waitFor();
    const [both] = await Promise.all([page.waitForEvent('download'), page.click('#log-download')]);
    const text = readFileSync((await both.path())!, 'utf8');
    expect(text).toContain('==== look-ansi · run 1 · 2 lines ====');
    expect(text).toContain('first run, line two');
    expect(text).toContain(`==== look-ansi · run 2 · ${ANSI_LINES.length} lines ====`);
    expect(text).toContain('\x1b[31mred alert'); // the file keeps the job's own bytes
  });

  it('keeps a 60-job fan-out to a bounded height: a folded level, zoom, and "+N more" that expands', async () => {
    const page = await open();
    await page.goto(`${plane.url}/#/dags/${fanDag}`);
    const more = page.locator('#dag-graph .more-node');
    await more.waitFor();
    const viewport = page.locator('#graph-viewport');
    const maxHeight = 0.75 * 860;
    expect((await viewport.boundingBox())!.height).toBeLessThan(maxHeight);
    // Root, the shown kids (the failed one among them) and the join; the rest are one node.
    const shown = await page.locator('#dag-graph [data-job-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-job-id')));
    expect(shown.length).toBeLessThanOrEqual(12);
    expect(shown).toContain(FAILED_KID);
    expect(shown).toContain('look-join');
    const hidden = FAN - (shown.length - 2);
    expect(await more.textContent()).toContain(`+${hidden} more`);
    await page.screenshot({ path: join(ARTIFACTS, 'dag-fan-out-folded.png'), fullPage: true });

    // Zoom buttons scale the drawing; Fit brings it back inside the viewport.
    const svgWidth = () => page.locator('#dag-graph svg').evaluate((el) => Number(el.getAttribute('width')));
    const before = await svgWidth();
    await page.click('#graph-zoom-in');
    expect(await svgWidth()).toBeGreaterThan(before);
    await page.click('#graph-zoom-out');
    await page.click('#graph-zoom-out');
    expect(await svgWidth()).toBeLessThan(before);

    await more.click();
    await eventually(() => page.locator('#dag-graph [data-job-id]').count()).toBe(FAN + 2);
    expect(await page.locator('#dag-graph .more-node').count()).toBe(0);
    // All 62 boxes, and still the viewport does not grow: it scrolls.
    expect((await viewport.boundingBox())!.height).toBeLessThan(maxHeight);
    expect(await viewport.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
    await page.click('#graph-fit');
    expect(await viewport.evaluate((el) => el.scrollHeight <= el.clientHeight + 2)).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'dag-fan-out-expanded.png'), fullPage: true });
    await page.click('#graph-collapse');
    await more.waitFor();

    // A node is still a link to its job.
    await page.locator(`#dag-graph [data-job-id="${FAILED_KID}"]`).click();
    await page.waitForURL(new RegExp(`#/jobs/${FAILED_KID}$`));
  });

  it('says a job is unknown, disables its buttons and stops polling', async () => {
    const page = await open();
    const asked: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('no-such-look-job')) asked.push(r.url());
    });
    await page.goto(`${plane.url}/#/jobs/no-such-look-job`);
    await page.locator('#job-missing').waitFor();
    expect(await page.locator('#job-missing').textContent()).toMatch(/No job no-such-look-job\..*stopped checking/s);
    expect(await page.locator('#cancel-btn').isDisabled()).toBe(true);
    expect(await page.locator('#retry-btn').isDisabled()).toBe(true);
    expect(await page.locator('#log-tail').count()).toBe(0); // no log stream opened for it
    const seen = asked.length;
    expect(seen).toBe(1);
    await page.waitForTimeout(3500); // three poll periods
    expect(asked.length).toBe(seen);
    // "Check again" asks once more.
    await page.click('#job-recheck');
    await eventually(() => Promise.resolve(asked.length)).toBe(seen + 1);
    await page.locator('#job-missing').waitFor();
  });

  it('photographs every page in light mode', async () => {
    const page = await open();
    await visitAll(page, 'light');
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(249, 250, 251)');
  });

  it('follows a dark system theme: dark page, readable text, on every page', async () => {
    const page = await open({ colorScheme: 'dark' });
    const luminance = (rgb: string) => {
      const [r, g, b] = rgb.match(/\d+/g)!.map(Number);
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    };
    await visitAll(page, 'dark', async () => {
      const { bg, fg, card } = await page.evaluate(() => ({
        bg: getComputedStyle(document.body).backgroundColor,
        fg: getComputedStyle(document.body).color,
        card: getComputedStyle(document.querySelector('header')!).backgroundColor,
      }));
      expect(luminance(bg)).toBeLessThan(0.15);
      expect(luminance(card)).toBeLessThan(0.2);
      expect(luminance(fg)).toBeGreaterThan(0.75);
    });
  });

  it('stays usable at phone width: no sideways scrolling of the page, the nav wraps, the graph scrolls inside', async () => {
    const page = await open({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    await visitAll(page, 'phone', async (name) => {
      const { scrollWidth, clientWidth, navRight } = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        clientWidth: document.documentElement.clientWidth,
        navRight: Math.max(...[...document.querySelectorAll('nav a')].map((a) => a.getBoundingClientRect().right)),
      }));
      expect(scrollWidth, `${name} overflows sideways`).toBeLessThanOrEqual(clientWidth);
      expect(navRight, `${name}: a nav link is off screen`).toBeLessThanOrEqual(clientWidth);
      if (name === 'dag-fan-out') {
        const wrap = await page.locator('#graph-viewport').boundingBox();
        expect(wrap!.x + wrap!.width).toBeLessThanOrEqual(clientWidth);
      }
    });
  });
});

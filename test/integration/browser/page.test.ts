/**
 * The page as a new user finds it (issue 18), in Chromium against a real logharbor:
 *
 * - the query's words and regex matches are marked, with <mark> elements holding exactly
 *   the matched text, and a line holding HTML stays text around its marks;
 * - a click on a container, a level or a JSON value adds `field:value` to the query, a
 *   shift-click `-field:value`;
 * - a search with no hit says so and offers a wider range; an invalid query shows its
 *   error at its column and the page stops asking (the histogram's refresh included:
 *   requests counted while the page's clock jumps ahead, no sleep);
 * - one order everywhere, newest at the bottom, and `order=desc` in the URL for the top;
 * - at 420 px the containers are in a drawer and long lines wrap;
 * - saved searches, recent queries and the copy-link button.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, ensureViewerBuilt, launchBrowser } from '../../support/browser.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { unavailable } from '../../support/skip.js';
import {
  FakeContainer,
  allRows,
  eventually,
  newViewerContext,
  openViewer,
  screenshot,
  shownRows,
  waitForLine,
  waitLive,
  type Viewer,
} from './viewer.js';

const noBrowser = unavailable('the browser tests', browserUnavailable());

const XSS = '<img src=x onerror="window.__xss=1"> upstream timeout';
const JSON_LINE = JSON.stringify({
  level: 'error',
  msg: 'payment failed',
  user: { id: 42, plan: 'pro plan' },
});
const LONG = Array.from({ length: 90 }, (_, i) => `word${i}`).join(' ');

describe.skipIf(noBrowser)('viewer: the page for a new user (issue 18), in Chromium', () => {
  let h: Harness;
  let browser: Browser;
  const senders: FakeContainer[] = [];
  let viewer: Viewer | undefined;
  /** Event times (ms) of `order <i>`, one a minute. */
  const orderMs: number[] = [];

  beforeAll(async () => {
    [h, browser] = await Promise.all([
      startHarness(),
      ensureViewerBuilt().then(() => launchBrowser()),
    ]);
    const now = Date.now();
    for (let i = 0; i < 5; i++) orderMs.push(now - (10 - i) * 60_000);
    const marks = new FakeContainer(h.forwardPort, { name: 'marks', project: 'demo' });
    const order = new FakeContainer(h.forwardPort, { name: 'order' });
    const wrap = new FakeContainer(h.forwardPort, { name: 'wrap', project: 'demo' });
    senders.push(marks, order, wrap);
    await marks.send([
      { log: 'upstream timeout after 3s', ms: now - 50_000 },
      { log: 'GET /api/cart 200 took 1234ms', ms: now - 40_000 },
      { log: XSS, ms: now - 30_000 },
      { log: JSON_LINE, ms: now - 20_000 },
      { log: '\u001b[31mTIMEOUT\u001b[0m in red, took 7ms', ms: now - 10_000 },
    ]);
    await order.send(orderMs.map((ms, i) => ({ log: `order ${i}`, ms })));
    await wrap.send([
      { log: `short before`, ms: now - 3000 },
      { log: LONG, ms: now - 2000 },
    ]);
    await h.stored();
  });
  afterAll(async () => {
    for (const s of senders) s.close();
    await browser?.close();
    await h?.close();
  });

  async function open(search = ''): Promise<Viewer> {
    await viewer?.close();
    viewer = await openViewer(browser, h.httpUrl, search);
    return viewer;
  }

  async function searchDone(page: Page): Promise<void> {
    await page.waitForFunction(
      () =>
        /All matching lines loaded|More lines available/.test(
          document.getElementById('status-state')?.textContent ?? '',
        ),
      undefined,
      { polling: 50 },
    );
  }

  const q = (page: Page): string | null => new URL(page.url()).searchParams.get('q');

  it('marks the words and regex matches of the query, and HTML in a line stays text', async () => {
    const query = 'timeout OR /took \\d+ms/ OR "payment failed" -nothing';
    const { page, problems } = await open(`?live=0&q=${encodeURIComponent(query)}`);
    await searchDone(page);
    const rows = await page.$$eval('#list .row[data-id] .msg', (els) =>
      els.map((e) => ({
        text: e.textContent,
        marks: [...e.querySelectorAll('mark')].map((m) => m.textContent),
      })),
    );
    expect(rows).toEqual([
      { text: 'upstream timeout after 3s', marks: ['timeout'] },
      { text: 'GET /api/cart 200 took 1234ms', marks: ['took 1234ms'] },
      { text: XSS, marks: ['timeout'] },
      { text: JSON_LINE, marks: ['payment failed'] },
      { text: 'TIMEOUT in red, took 7ms', marks: ['TIMEOUT', 'took 7ms'] },
    ]);
    // The mark inside the ANSI colour keeps the colour: a styled span inside the mark.
    expect(
      await page.$eval('#list .row[data-id]:last-child .msg mark span', (e) => e.className),
    ).toBe('a-fg1');
    // The HTML line is text: no element came of it, nothing ran.
    expect(await page.locator('#list img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBe(
      undefined,
    );
    // The JSON tree of an expanded line marks the matched value too.
    await page.locator('#list .row[data-id]').nth(3).locator('button.tg').click();
    await page.waitForSelector('#list .row.open .json');
    expect(
      await page.$$eval('#list .row.open .json mark', (e) => e.map((m) => m.textContent)),
    ).toEqual(['payment failed']);
    expect(problems).toEqual([]);
  });

  it('adds field:value on click and -field:value on shift-click', async () => {
    const { page, problems } = await open(`?live=0&q=${encodeURIComponent('timeout OR payment')}`);
    await searchDone(page);
    // The container of a line: the query had a top-level OR, so it is grouped first.
    await page.locator('#list .row[data-id] .src').first().click();
    await page.waitForURL((u) => u.searchParams.get('q') !== 'timeout OR payment');
    expect(q(page)).toBe('(timeout OR payment) container:marks');
    await searchDone(page);
    // Shift-click on a level leaves it out.
    const errorRow = page.locator('#list .row.s3[data-id]');
    await errorRow.locator('.sev').click({ modifiers: ['Shift'] });
    await page.waitForURL((u) => (u.searchParams.get('q') ?? '').endsWith('-level:error'));
    expect(q(page)).toBe('(timeout OR payment) container:marks -level:error');
    await searchDone(page);
    expect((await shownRows(page)).map((r) => r.message)).not.toContain(JSON_LINE);
    // Clicking the level again (without shift) replaces the exclusion.
    await page.goBack();
    await searchDone(page);
    await page.locator('#list .row.s3[data-id] .sev').click();
    await page.waitForURL((u) => (u.searchParams.get('q') ?? '').endsWith('level:error'));
    expect(q(page)).toBe('(timeout OR payment) container:marks level:error');
    await searchDone(page);
    // A JSON value, quoted because it holds a space, as the lexer needs.
    await page.locator('#list .row[data-id] button.tg').first().click();
    // (The first: the line's own JSON; the attrs tree below holds the same field.)
    await page.locator('#list .row.open .jv', { hasText: 'pro plan' }).first().click();
    await page.waitForURL((u) => (u.searchParams.get('q') ?? '').includes('attrs.user.plan'));
    expect(q(page)).toBe(
      '(timeout OR payment) container:marks level:error attrs.user.plan:"pro plan"',
    );
    await searchDone(page);
    expect((await shownRows(page)).map((r) => r.message)).toEqual([JSON_LINE]);
    expect(problems).toEqual([]);
  });

  it('says "no matches in this range" with a wider range one click away', async () => {
    const { page, problems } = await open('?live=0&from=15m&q=nosuchwordanywhere');
    await page.waitForSelector('#list .edge-note');
    expect(await page.textContent('#list .edge-note span')).toBe('No matches in this range.');
    const wider = page.locator('#list .edge-note button[data-action="wider"]');
    expect(await wider.textContent()).toBe('Search the last hour');
    await wider.click();
    // The last hour is the default range: the URL leaves it out.
    await page.waitForURL((u) => !u.searchParams.has('from'));
    await eventually(() => wider.textContent()).toBe('Search the last 6 hours');

    // The live tail of a query with no hit says the same, not "Waiting for lines…".
    await page.goto(`${h.httpUrl}/?q=nosuchwordanywhere`);
    await waitLive(page);
    await eventually(() => page.textContent('#list .edge-note span')).toMatch(
      /^No matches in this range yet/,
    );
    expect(await page.textContent('#list')).not.toContain('Waiting for lines');
    expect(problems).toEqual([]);
  });

  it('shows an invalid query at its column and stops asking until the query changes', async () => {
    const context = await newViewerContext(browser);
    // The page's clock is Playwright's: it runs, and the test can make it jump.
    await context.clock.install();
    const histograms: string[] = [];
    const containers: string[] = [];
    const v = await openViewer(browser, h.httpUrl, `?q=${encodeURIComponent('level:error (x')}`, {
      context,
      beforeLoad: (p) =>
        p.on('request', (r) => {
          if (r.url().includes('/api/logs/histogram')) histograms.push(r.url());
          if (r.url().includes('/api/containers')) containers.push(r.url());
        }),
    });
    const { page } = v;
    await page.waitForSelector('#qerror:not(.hidden)');
    expect(await page.textContent('#qerror .qerr-msg')).toMatch(/missing '\)'.*\(column 13\)$/);
    expect(await page.textContent('#qerror .qerr-at')).toBe('(');
    await eventually(() => page.textContent('#status-state')).toBe(
      'Stopped: the query has an error (see above)',
    );
    expect(await page.textContent('#list .edge-note')).toBe('Fix the query above to see lines.');
    // The page's own word: nothing is scheduled for the histogram.
    await page.waitForSelector('#hist[data-refresh="off"]', { state: 'attached' });
    expect(histograms).toHaveLength(1);
    // A minute passes on the page's clock: the side list refreshes (every 30 s), the
    // histogram (every 10 s while live) does not.
    const before = containers.length;
    const refreshed = page.waitForRequest((r) => r.url().includes('/api/containers'));
    await page.clock.fastForward(61_000);
    await refreshed;
    expect(containers.length).toBeGreaterThan(before);
    expect(histograms).toHaveLength(1);
    // The query fixed: asking starts again.
    await page.fill('#q', 'level:error (x)');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#qerror.hidden', { state: 'attached' });
    await page.waitForSelector('#hist[data-refresh="on"]', { state: 'attached' });
    expect(histograms).toHaveLength(2);
    expect(v.problems.filter((p) => !/status of 400/.test(p))).toEqual([]);
    await v.close();
    await context.close();
  });

  it('shows the newest line at the bottom everywhere, and at the top with order=desc', async () => {
    const lines = orderMs.map((_, i) => `order ${i}`);
    const { page, problems } = await open('?live=0&q=container:order');
    await searchDone(page);
    expect((await allRows(page)).map((r) => r.message)).toEqual(lines);
    await page.click('#order-btn');
    await page.waitForURL((u) => u.searchParams.get('order') === 'desc');
    expect(await page.textContent('#order-btn')).toBe('Newest ↑');
    await searchDone(page);
    await eventually(async () => (await allRows(page)).map((r) => r.message)).toEqual(
      [...lines].reverse(),
    );
    await page.goBack();
    await page.waitForURL((u) => !u.searchParams.has('order'));
    await eventually(async () => (await allRows(page)).map((r) => r.message)).toEqual(lines);

    // The live tail in both orders: the new line goes to the newest end.
    const order = senders[1]!;
    for (const [search, newestFirst] of [
      ['?c=order', false],
      ['?c=order&order=desc', true],
    ] as const) {
      await page.goto(`${h.httpUrl}/${search}`);
      await waitLive(page);
      await waitForLine(page, 'order 4');
      const tag = `live ${newestFirst ? 'top' : 'bottom'}`;
      await order.send([tag]);
      await waitForLine(page, tag);
      const shown = (await shownRows(page)).map((r) => r.message);
      expect(newestFirst ? shown[0] : shown.at(-1)).toBe(tag);
      expect(newestFirst ? shown.at(-1) : shown[0]).toBe('order 0');
    }
    expect(problems).toEqual([]);
  });

  it('at 420 px: the containers in a drawer, long lines wrapped', async () => {
    const context = await newViewerContext(browser, { viewport: { width: 420, height: 860 } });
    const v = await openViewer(browser, h.httpUrl, '?live=0&q=container:wrap', { context });
    const { page } = v;
    await page.waitForSelector('#list .row[data-id]');
    await searchDone(page);
    // The side list is out of the way until asked for.
    expect(await page.isVisible('#side')).toBe(false);
    const long = page.locator('#list .row[data-id]', { hasText: 'word89' });
    const msg = long.locator('.msg');
    const m = await msg.evaluate((e) => ({
      scrollWidth: e.scrollWidth,
      clientWidth: e.clientWidth,
      height: e.getBoundingClientRect().height,
      lineHeight: parseFloat(getComputedStyle(e).lineHeight),
    }));
    expect(m.scrollWidth).toBeLessThanOrEqual(m.clientWidth);
    expect(m.height).toBeGreaterThan(2 * m.lineHeight);
    // Rows stack without overlapping: the wrapped row pushed the next one down.
    const boxes = await page.$$eval('#list .row[data-id]', (els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return { top: r.top, bottom: r.bottom };
      }),
    );
    expect(boxes).toHaveLength(2);
    expect(boxes[1]!.top).toBeGreaterThanOrEqual(boxes[0]!.bottom - 1);
    // Nothing is wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      420,
    );
    await screenshot(page, 'phone');

    await page.click('#side-btn');
    await page.waitForSelector('#side .ctr[data-name="wrap"]', { state: 'visible' });
    const side = (await page.locator('#side').boundingBox())!;
    expect(side.x).toBeGreaterThanOrEqual(0);
    expect(side.width).toBeLessThanOrEqual(420);
    await screenshot(page, 'phone-drawer');
    // Picking a container closes the drawer and filters the view.
    await page.click('#side .ctr[data-name="order"] .name');
    await page.waitForURL(/[?&]c=order/);
    await page.waitForSelector('#side', { state: 'hidden' });
    expect(v.problems).toEqual([]);
    await v.close();
    await context.close();
  });

  it('keeps recent queries and saved searches, and copies a link to the view', async () => {
    const context = await newViewerContext(browser);
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    const v = await openViewer(browser, h.httpUrl, '?live=0', { context });
    const { page } = v;
    await page.fill('#q', 'took');
    await page.keyboard.press('Enter');
    await page.waitForURL(/q=took/);
    await page.fill('#q', 'timeout');
    await page.keyboard.press('Enter');
    await page.waitForURL(/q=timeout/);
    await page.click('#saved-btn');
    expect(
      await page.$$eval('#saved-menu [data-recent]', (e) => e.map((x) => x.textContent)),
    ).toEqual(['timeout', 'took']);
    await page.fill('#saved-menu .menu-name', 'slow requests');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#saved-menu [data-saved="slow requests"]');
    await page.keyboard.press('Escape');

    // Another view, then the saved one back, after a reload: it lives in local storage.
    await page.goto(`${h.httpUrl}/?live=0&q=order&from=6h`);
    await page.click('#saved-btn');
    await page.click('#saved-menu [data-saved="slow requests"]');
    await page.waitForURL((u) => u.searchParams.get('q') === 'timeout');
    expect(new URL(page.url()).searchParams.get('from')).toBeNull();
    // A recent query goes back into the box and runs.
    await page.click('#saved-btn');
    await page.click('#saved-menu [data-recent="took"]');
    await page.waitForURL((u) => u.searchParams.get('q') === 'took');
    await searchDone(page);

    await page.click('#link-btn');
    await eventually(() => page.textContent('#link-btn')).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(page.url());
    expect(v.problems).toEqual([]);
    await v.close();
    await context.close();
  });
});

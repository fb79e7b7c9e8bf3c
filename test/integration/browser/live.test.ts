/**
 * The live tail in a real browser against a real logharbor (issue 5, "Tests it must
 * have"): lines sent by fluent-logger appear on the open page, in order; the side list
 * groups their containers by Compose project; pause and resume, by the button and by the
 * space key, hold new lines back and then show them, with the "N new lines" counter;
 * scrolling up stops following and counts what arrives below.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, ensureViewerBuilt, launchBrowser } from '../../support/browser.js';
import { startHarness, type Harness } from '../../support/harness.js';
import {
  FakeContainer,
  openViewer,
  screenshot,
  shownRows,
  waitForLine,
  waitLive,
  type Viewer,
} from './viewer.js';

const skip = browserUnavailable();

describe.skipIf(skip)('viewer: live tail in Chromium', () => {
  let h: Harness;
  let browser: Browser;
  const senders: FakeContainer[] = [];
  const container = (name: string, project?: string, service?: string): FakeContainer => {
    const c = new FakeContainer(h.forwardPort, { name, project, service });
    senders.push(c);
    return c;
  };
  let viewer: Viewer | undefined;

  beforeAll(async () => {
    [h, browser] = await Promise.all([
      startHarness(),
      ensureViewerBuilt().then(() => launchBrowser()),
    ]);
  });
  afterAll(async () => {
    for (const s of senders) s.close();
    await browser?.close();
    await h?.close();
  });

  async function open(search = ''): Promise<Viewer> {
    await viewer?.close();
    viewer = await openViewer(browser, h.httpUrl, search);
    await waitLive(viewer.page);
    return viewer;
  }

  it('shows lines sent while the page is open, in order, and groups their containers', async () => {
    const { page, problems } = await open();
    const web = container('shop-web', 'shop', 'web');
    const db = container('shop-db', 'shop', 'db');
    const cron = container('cron-runner');
    await web.send(['GET /cart 200 12ms', 'GET /checkout 200 40ms']);
    await db.send(['checkpoint complete: wrote 12 buffers']);
    await cron.send([{ log: 'backup failed: disk full', stream: 'stderr' }]);
    await web.send(['\u001b[32mPOST /order 201\u001b[0m 88ms']);

    await waitForLine(page, 'POST /order 201');
    const rows = await shownRows(page);
    expect(rows.map((r) => r.message)).toEqual([
      'GET /cart 200 12ms',
      'GET /checkout 200 40ms',
      'checkpoint complete: wrote 12 buffers',
      'backup failed: disk full',
      'POST /order 201 88ms',
    ]);
    // Ids ascend down the list: the tail shows arrival order.
    const ids = rows.map((r) => BigInt(r.id));
    expect([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(ids);
    // The ANSI colour became a styled span, not text.
    expect(await page.locator('#list .row .msg span').first().textContent()).toBe(
      'POST /order 201',
    );
    await expect
      .poll(() => page.locator('#list .row.stderr .msg').allTextContents())
      .toEqual(['backup failed: disk full']);

    // Side list: the Compose project holds its two services, the loose container comes last.
    await page.waitForSelector('#side .grp[data-project="shop"] .ctr[data-name="shop-db"]');
    await page.waitForSelector('#side .grp[data-project=""] .ctr[data-name="cron-runner"]');
    const groups = await page.$$eval('#side .grp', (els) =>
      els.map((g) => ({
        project: g.querySelector('.grp-name')?.textContent,
        names: [...g.querySelectorAll('.ctr .name')].map((n) => n.textContent),
        counts: [...g.querySelectorAll('.ctr .count')].map((n) => n.textContent),
      })),
    );
    expect(groups).toEqual([
      { project: 'shop', names: ['shop-db', 'shop-web'], counts: ['1', '3'] },
      { project: 'no project', names: ['cron-runner'], counts: ['1'] },
    ]);

    // A click on a container filters the view to it, and the URL says so.
    await page.click('#side .ctr[data-name="shop-db"] .name');
    await page.waitForURL(/[?&]c=shop-db/);
    await waitLive(page);
    await expect
      .poll(async () => (await shownRows(page)).map((r) => r.message))
      .toEqual(['checkpoint complete: wrote 12 buffers']);
    expect(problems).toEqual([]);
  });

  it('pauses and resumes with the button and with the space key', async () => {
    const pc = container('pauser');
    const { page, problems } = await open('?c=pauser');
    await pc.send(['before pause']);
    await waitForLine(page, 'before pause');

    // The button.
    await page.click('#pause-btn');
    await expect.poll(() => page.textContent('#status-state')).toBe('Paused');
    expect(await page.textContent('#pause-btn')).toContain('Resume');
    await pc.send(['held 1', 'held 2', 'held 3']);
    // The page counts what it holds back: the pill says so, the list stays as it was.
    await expect
      .poll(() => page.textContent('#new-lines'), { timeout: 20_000 })
      .toBe('▶ Resume · 3 new lines');
    expect((await shownRows(page)).map((r) => r.message)).toEqual(['before pause']);
    await page.click('#pause-btn');
    await waitForLine(page, 'held 3');
    expect((await shownRows(page)).map((r) => r.message)).toEqual([
      'before pause',
      'held 1',
      'held 2',
      'held 3',
    ]);
    await expect.poll(() => page.isHidden('#new-lines')).toBe(true);
    await expect.poll(() => page.textContent('#status-state')).toBe('Live');

    // The space key, with the focus on the list (not in a field or on a button).
    await page.focus('#list');
    await page.keyboard.press('Space');
    await expect.poll(() => page.textContent('#status-state')).toBe('Paused');
    await pc.send(['held 4']);
    await expect.poll(() => page.textContent('#new-lines')).toBe('▶ Resume · 1 new lines');
    expect((await shownRows(page)).map((r) => r.message)).not.toContain('held 4');
    // Space in the query box types a space: it must not resume.
    await page.focus('#q');
    await page.keyboard.press('Space');
    expect(await page.textContent('#status-state')).toBe('Paused');
    await page.fill('#q', '');
    await page.focus('#list');
    await page.keyboard.press('Space');
    await waitForLine(page, 'held 4');
    await expect.poll(() => page.textContent('#status-state')).toBe('Live');
    expect(problems).toEqual([]);
  });

  it('stops following when scrolled up and counts the lines that arrive below', async () => {
    const sc = container('scroller');
    const { page, problems } = await open('?c=scroller');
    await sc.send(Array.from({ length: 80 }, (_, i) => `filler ${i}`));
    await waitForLine(page, 'filler 79');
    await page.evaluate(() => {
      document.getElementById('list')!.scrollTop = 0;
    });
    await sc.send(['below 1', 'below 2']);
    await expect.poll(() => page.textContent('#new-lines')).toBe('↓ 2 new lines');
    await page.click('#new-lines');
    await waitForLine(page, 'below 2');
    await expect.poll(() => page.isHidden('#new-lines')).toBe(true);
    // Following again: the newest line is the last one drawn.
    const rows = await shownRows(page);
    expect(rows[rows.length - 1]?.message).toBe('below 2');
    expect(problems).toEqual([]);
  });

  it('screenshot: the live tail of a Compose project', async () => {
    const lines: [FakeContainer, string, ('stdout' | 'stderr')?][] = [];
    const api = container('shop-api', 'shop', 'api');
    const web = container('shop-web', 'shop', 'web');
    const worker = container('shop-worker', 'shop', 'worker');
    const redis = container('redis', undefined, undefined);
    lines.push(
      [web, '172.18.0.1 - - "GET / HTTP/1.1" 200 612 "-" "curl/8.5.0"'],
      [api, '{"level":"info","msg":"request done","path":"/api/cart","status":200,"ms":12}'],
      [redis, '1:M 28 Nov 2025 09:12:01.123 * Background saving started by pid 42'],
      [api, '{"level":"warn","msg":"slow query","table":"orders","ms":812}'],
      [worker, 'level=info msg="job picked" queue=emails id=8812'],
      [worker, 'level=error msg="smtp: connection reset by peer" id=8812', 'stderr'],
      [web, '\u001b[33m172.18.0.1 - - "POST /api/order HTTP/1.1" 502 157\u001b[0m'],
      [api, '{"level":"error","msg":"upstream timed out","upstream":"payments:8080"}'],
      [redis, '1:M 28 Nov 2025 09:12:02.201 * DB saved on disk'],
      [worker, 'level=info msg="retrying" id=8812 attempt=2'],
      [web, '172.18.0.1 - - "GET /static/app.js HTTP/1.1" 200 48213 "-" "Mozilla/5.0"'],
      [api, '{"level":"info","msg":"request done","path":"/api/order","status":201,"ms":95}'],
    );
    const { page } = await open();
    for (const [c, log, stream] of lines) await c.send([{ log, stream }]);
    await waitForLine(page, '"path":"/api/order"');
    await page.waitForSelector('#side .ctr[data-name="shop-worker"]');
    await screenshot(page, 'live-tail');
  });
});

/**
 * The live tail in a real browser against a real logharbor (issue 5, "Tests it must
 * have"): lines sent by fluent-logger appear on the open page, in order; the side list
 * groups their containers by Compose project; pause and resume, by the button and by the
 * space key, hold new lines back and then show them, with the "N new lines" counter;
 * scrolling up stops following and counts what arrives below.
 *
 * And the tail survives a server restart with no gap and no duplicate (issue 5, point
 * 1; DESIGN.md, "The API": the tail "resumes from a cursor with no gap and no
 * duplicate"): the API goes down and comes back on the same port and database while the
 * collector keeps storing; the page reconnects by itself with `after=<the last id it
 * had>` and shows every line sent before, during and after the outage once, in order.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, ensureViewerBuilt, launchBrowser } from '../../support/browser.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { unavailable } from '../../support/skip.js';
import {
  FakeContainer,
  eventually,
  allRows,
  openViewer,
  shownRows,
  waitForLine,
  waitLive,
  type Viewer,
} from './viewer.js';

const noBrowser = unavailable('the browser tests', browserUnavailable());

const lines = (phase: string): string[] => Array.from({ length: 8 }, (_, i) => `${phase} ${i}`);

describe.skipIf(noBrowser)('viewer: live tail in Chromium', () => {
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
    await eventually(() => page.locator('#list .row.stderr .msg').allTextContents()).toEqual([
      'backup failed: disk full',
    ]);

    // Side list: the Compose project holds its two services, the loose container comes last.
    await page.waitForSelector('#side .grp[data-project="shop"] .ctr[data-name="shop-db"]');
    await page.waitForSelector('#side .grp[data-project=""] .ctr[data-name="cron-runner"]');
    // Counts follow the lines as they arrive, without a reload. (Only this test's containers.)
    const mine = ['shop-web', 'shop-db', 'cron-runner'];
    await eventually(() =>
      page.$$eval(
        '#side .grp',
        (els, names) =>
          els
            .map((g) => {
              const ctrs = [...g.querySelectorAll<HTMLElement>('.ctr')].filter((c) =>
                names.includes(c.dataset.name!),
              );
              return {
                project: g.querySelector('.grp-name')?.textContent,
                names: ctrs.map((c) => c.querySelector('.name')?.textContent),
                counts: ctrs.map((c) => c.querySelector('.count')?.textContent),
              };
            })
            .filter((g) => g.names.length > 0),
        mine,
      ),
    ).toEqual([
      { project: 'shop', names: ['shop-db', 'shop-web'], counts: ['1', '3'] },
      { project: 'no project', names: ['cron-runner'], counts: ['1'] },
    ]);

    // A click on a container filters the view to it, and the URL says so.
    await page.click('#side .ctr[data-name="shop-db"] .name');
    await page.waitForURL(/[?&]c=shop-db/);
    await waitLive(page);
    await eventually(async () => (await shownRows(page)).map((r) => r.message)).toEqual([
      'checkpoint complete: wrote 12 buffers',
    ]);
    expect(problems).toEqual([]);
  });

  it('pauses and resumes with the button and with the space key', async () => {
    const pc = container('pauser');
    const { page, problems } = await open('?c=pauser');
    await pc.send(['before pause']);
    await waitForLine(page, 'before pause');

    // The button.
    await page.click('#pause-btn');
    await eventually(() => page.textContent('#status-state')).toBe('Paused');
    expect(await page.textContent('#pause-btn')).toContain('Resume');
    await pc.send(['held 1', 'held 2', 'held 3']);
    // The page counts what it holds back: the pill says so, the list stays as it was.
    await eventually(() => page.textContent('#new-lines')).toBe('▶ Resume · 3 new lines');
    expect((await shownRows(page)).map((r) => r.message)).toEqual(['before pause']);
    await page.click('#pause-btn');
    await waitForLine(page, 'held 3');
    expect((await shownRows(page)).map((r) => r.message)).toEqual([
      'before pause',
      'held 1',
      'held 2',
      'held 3',
    ]);
    await eventually(() => page.isHidden('#new-lines')).toBe(true);
    await eventually(() => page.textContent('#status-state')).toBe('Live');

    // The space key, with the focus on the list (not in a field or on a button).
    await page.focus('#list');
    await page.keyboard.press('Space');
    await eventually(() => page.textContent('#status-state')).toBe('Paused');
    await pc.send(['held 4']);
    await eventually(() => page.textContent('#new-lines')).toBe('▶ Resume · 1 new line');
    expect((await shownRows(page)).map((r) => r.message)).not.toContain('held 4');
    // Space in the query box types a space: it must not resume.
    await page.focus('#q');
    await page.keyboard.press('Space');
    expect(await page.textContent('#status-state')).toBe('Paused');
    await page.fill('#q', '');
    await page.focus('#list');
    await page.keyboard.press('Space');
    await waitForLine(page, 'held 4');
    await eventually(() => page.textContent('#status-state')).toBe('Live');
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
    await eventually(() => page.textContent('#new-lines')).toBe('↓ 2 new lines');
    await page.click('#new-lines');
    await waitForLine(page, 'below 2');
    await eventually(() => page.isHidden('#new-lines')).toBe(true);
    // Following again: the newest line is the last one drawn.
    const rows = await shownRows(page);
    expect(rows[rows.length - 1]?.message).toBe('below 2');
    expect(problems).toEqual([]);
  });

  it('reconnects after a server restart and shows every line before, during and after it once, in order', async () => {
    const steady = container('steady');
    const sockets: string[] = [];
    await viewer?.close();
    const v = await openViewer(browser, h.httpUrl, '?c=steady', {
      beforeLoad: (p) => p.on('websocket', (ws) => sockets.push(ws.url())),
    });
    viewer = v;
    const { page } = v;
    await waitLive(page);

    await steady.send(lines('before'));
    await waitForLine(page, 'before 7');
    const lastBefore = (await allRows(page)).at(-1)!;
    expect(lastBefore.message).toBe('before 7');

    await h.stopApi();
    await page.waitForFunction(
      () => /Disconnected|Reconnecting/.test(document.getElementById('status-state')!.textContent!),
      undefined,
      { polling: 50 },
    );
    // Stored while no API runs: the collector acks each once it is committed.
    await steady.send(lines('during'));
    await h.startApi();

    await waitForLine(page, 'during 7', 30_000);
    await waitLive(page);
    await steady.send(lines('after'));
    await waitForLine(page, 'after 7');

    const rows = await allRows(page);
    expect(rows.map((r) => r.message)).toEqual([
      ...lines('before'),
      ...lines('during'),
      ...lines('after'),
    ]);
    const ids = rows.map((r) => Number(r.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    // The same rows as the database, id for id.
    const stored = await h.rows(`container_name = 'steady'`);
    expect(ids).toEqual(stored.map((r) => Number(r.id)));

    // The socket after the restart resumed from the last id the page had.
    const resumed = sockets.slice(1).map((u) => new URL(u).searchParams.get('after'));
    expect(resumed.length).toBeGreaterThan(0);
    expect(resumed).toContain(lastBefore.id);
    expect(resumed.every((a) => a === lastBefore.id)).toBe(true);
    // The page says so, where the gap would have been.
    const notices = await page.$$eval('#list .row.notice', (els) => els.map((e) => e.textContent));
    expect(notices).toContain(`Reconnected: resumed after line ${lastBefore.id}, nothing missed`);
    // Only network failures while the server was down reached the console.
    for (const p of v.problems)
      expect(p).toMatch(/ERR_CONNECTION_REFUSED|WebSocket|Failed to load/);
  });
});

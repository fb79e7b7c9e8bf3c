/**
 * Search in a real browser against a real logharbor (issue 5, point 2): a query typed
 * and sent with Enter lists its matches, the newest at the bottom (issue 18: one order
 * for the tail and searches, as Papertrail and Dozzle show them); a syntax error is
 * shown at its column; a drag or a click on the histogram zooms in, the range goes into
 * the URL and the list holds exactly the lines of that range; a row's link opens the
 * lines around it.
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
  openViewer,
  shownRows,
  type Viewer,
} from './viewer.js';

const noBrowser = unavailable('the browser tests', browserUnavailable());

/** One line a minute over the last hour, half a minute off the minute marks. */
const MINUTES = 58;

describe.skipIf(noBrowser)('viewer: search in Chromium', () => {
  let h: Harness;
  let browser: Browser;
  let clock: FakeContainer;
  let noise: FakeContainer;
  /** Event time (ms) of `tick <i>`. */
  const tickMs: number[] = [];
  let viewer: Viewer | undefined;

  beforeAll(async () => {
    [h, browser] = await Promise.all([
      startHarness(),
      ensureViewerBuilt().then(() => launchBrowser()),
    ]);
    const now = Date.now();
    for (let i = 0; i < MINUTES; i++) tickMs.push(now - (MINUTES - i) * 60_000 - 30_000);
    clock = new FakeContainer(h.forwardPort, { name: 'clock' });
    noise = new FakeContainer(h.forwardPort, { name: 'noise' });
    await Promise.all([
      clock.send(tickMs.map((ms, i) => ({ log: `tick ${i}`, ms }))),
      noise.send(
        Array.from({ length: 20 }, (_, i) => ({
          log: `upstream timeout after ${i}s`,
          ms: now - i * 90_000,
        })),
      ),
    ]);
  });
  afterAll(async () => {
    clock?.close();
    noise?.close();
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

  function params(page: Page): URLSearchParams {
    return new URL(page.url()).searchParams;
  }

  it('lists matches, newest at the bottom, after a query and Enter, and shows a syntax error at its column', async () => {
    const { page, problems } = await open();
    // Leave the live tail for a search of the last hour.
    await page.click('#live-btn');
    await page.waitForURL(/live=0/);
    await page.click('#q');
    await page.keyboard.type('tick');
    await page.keyboard.press('Enter');
    await page.waitForURL(/q=tick/);
    await searchDone(page);
    const rows = await allRows(page);
    expect(rows.map((r) => r.message)).toEqual(tickMs.map((_, i) => `tick ${i}`));
    expect(await page.textContent('#status-count')).toBe(`${MINUTES} lines`);

    // An unclosed group: the parser names the '(' at column 13.
    await page.fill('#q', 'level>=warn (timeout');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#qerror:not(.hidden)');
    expect(await page.textContent('#qerror .qerr-msg')).toMatch(/missing '\)'.*\(column 13\)$/);
    expect(await page.textContent('#qerror .qerr-at')).toBe('(');
    expect(await page.textContent('#qerror .qerr-caret')).toBe(`${' '.repeat(12)}^`);
    // The query box selects the bad character.
    expect(
      await page.$eval('#q', (el) => [
        (el as HTMLInputElement).selectionStart,
        (el as HTMLInputElement).selectionEnd,
      ]),
    ).toEqual([12, 13]);

    // Fixed, the error goes and the matches come.
    await page.fill('#q', 'level>=warn OR (timeout 1)');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#qerror.hidden', { state: 'attached' });
    await searchDone(page);
    expect((await shownRows(page)).map((r) => r.message)).toEqual([
      'upstream timeout after 19s',
      'upstream timeout after 18s',
      'upstream timeout after 17s',
      'upstream timeout after 16s',
      'upstream timeout after 15s',
      'upstream timeout after 14s',
      'upstream timeout after 13s',
      'upstream timeout after 12s',
      'upstream timeout after 11s',
      'upstream timeout after 10s',
      'upstream timeout after 1s',
    ]);
    // The browser's own 400s for the bad query are the only console errors.
    expect(problems.filter((p) => !/status of 400/.test(p))).toEqual([]);
  });

  it('zooms into the range dragged or clicked on the histogram, and keeps it in the URL', async () => {
    const { page, problems } = await open('?q=tick&live=0');
    await searchDone(page);
    const bar = page.locator('#hist .hist-bar').first();
    await bar.waitFor();
    const box = (await page.locator('#hist svg').boundingBox())!;
    const y = box.y + box.height / 2;
    // Drag over the second quarter of the hour.
    await page.mouse.move(box.x + box.width * 0.25, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.4, y, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.5, y, { steps: 5 });
    await page.mouse.up();
    await page.waitForURL(/to=/);
    const from = Date.parse(params(page).get('from')!);
    const to = Date.parse(params(page).get('to')!);
    expect(params(page).get('live')).toBe('0');
    expect(params(page).get('q')).toBe('tick');
    // A quarter of about an hour, give or take the histogram's rounding to buckets.
    expect(to - from).toBeGreaterThan(10 * 60_000);
    expect(to - from).toBeLessThan(20 * 60_000);
    await searchDone(page);
    const inRange = tickMs
      .map((ms, i) => ({ ms, i }))
      .filter((t) => t.ms >= from && t.ms < to)
      .map((t) => `tick ${t.i}`);
    expect(inRange.length).toBeGreaterThan(5);
    await eventually(async () => (await shownRows(page)).map((r) => r.message)).toEqual(inRange);

    // A click (no drag) zooms into the one bucket under the pointer.
    const bars = page.locator('#hist .hist-bar');
    await eventually(() => bars.count()).toBeGreaterThan(2);
    const one = (await bars.nth(1).boundingBox())!;
    await page.mouse.click(one.x + one.width / 2, one.y + one.height - 1);
    await page.waitForURL((u) => Date.parse(u.searchParams.get('from') ?? '') !== from);
    const from2 = Date.parse(params(page).get('from')!);
    const to2 = Date.parse(params(page).get('to')!);
    expect(from2).toBeGreaterThanOrEqual(from - 60_000);
    expect(to2 - from2).toBeLessThan(to - from);
    await searchDone(page);
    const inBucket = tickMs
      .map((ms, i) => ({ ms, i }))
      .filter((t) => t.ms >= from2 && t.ms < to2)
      .map((t) => `tick ${t.i}`);
    expect(inBucket.length).toBeGreaterThan(0);
    await eventually(async () => (await shownRows(page)).map((r) => r.message)).toEqual(inBucket);

    // Back goes to the previous range: the URL is the state.
    await page.goBack();
    await page.waitForURL((u) => Date.parse(u.searchParams.get('from') ?? '') === from);
    await searchDone(page);
    await eventually(async () => (await shownRows(page)).map((r) => r.message)).toEqual(inRange);
    expect(problems).toEqual([]);
  });

  it('opens the lines around a hit from its link', async () => {
    const { page, problems } = await open(`?q=${encodeURIComponent('"tick 30"')}&live=0`);
    await searchDone(page);
    const rows = await shownRows(page);
    expect(rows.map((r) => r.message)).toEqual(['tick 30']);
    const target = rows[0]!;
    // The link shows on hover, as in the list of any log viewer.
    await page.hover(`#list .row[data-id="${target.id}"]`);
    await page.click(`#list .row[data-id="${target.id}"] a.ctx`);
    await page.waitForURL(new RegExp(`ctx=${target.id}`));
    await page.waitForSelector('.overlay:not(.hidden) .ctx-list .row.focus');
    expect(await page.textContent('.overlay:not(.hidden) .ctx-list .row.focus .msg')).toBe(
      'tick 30',
    );
    // The lines around it in its container, oldest first, whatever the query matched.
    const around = await page.$$eval('.overlay:not(.hidden) .ctx-list .row .msg', (els) =>
      els.map((e) => e.textContent),
    );
    expect(around).toEqual(tickMs.map((_, i) => `tick ${i}`));
    // Escape closes it and takes ctx out of the URL.
    await page.keyboard.press('Escape');
    await page.waitForURL((u) => !u.searchParams.has('ctx'));
    await page.waitForSelector('.overlay.hidden', { state: 'attached' });
    expect(problems).toEqual([]);
  });
});

/**
 * 100,000 lines into an open page (issue 5, point 9: "with 100,000 lines received the
 * page stays responsive"). The lines go straight into the collector's writer in big
 * batches (the ingest path is measured elsewhere); the page tails them live. Measured and
 * printed, not asserted (the machine is shared): time to commit, time until the page
 * shows the last line, lines held, dropped-line notices, the longest main-thread task
 * and the slowest answer of the page while the flood arrives. Asserted: the DOM stays
 * small the whole time, and the last line and the first are both reachable.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRecord, type LogRecord } from '../../../core/record.js';
import { browserUnavailable, ensureViewerBuilt, launchBrowser } from '../../support/browser.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { openViewer, waitForLine, waitLive } from './viewer.js';

const skip = browserUnavailable();

const LINES = 100_000;
const BATCH = 5_000;
/** Far above the ~50 rows a 720-pixel list draws, far below one element per line. */
const MAX_ROW_ELEMENTS = 300;

function line(i: number, nowSec: number): LogRecord {
  const r = newRecord('forward', nowSec, i * 1000, `flood line ${i} ${'x'.repeat(i % 60)}`);
  r.containerName = `flood-${i % 4}`;
  r.stream = i % 10 === 0 ? 'stderr' : 'stdout';
  r.severity = i % 100 === 0 ? 3 : 6;
  return r;
}

interface Watch {
  maxRows: number;
  maxElements: number;
  maxLongTaskMs: number;
}

describe.skipIf(skip)('viewer: 100,000 lines live, in Chromium', () => {
  let h: Harness;
  let browser: Browser;

  beforeAll(async () => {
    [h, browser] = await Promise.all([
      startHarness(),
      ensureViewerBuilt().then(() => launchBrowser()),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('shows the last of 100,000 lines with a bounded DOM', { timeout: 120_000 }, async () => {
    const v = await openViewer(browser, h.httpUrl);
    const { page } = v;
    await waitLive(page);
    // The page watches itself: rows and elements in the list, and long main-thread tasks.
    await page.evaluate(() => {
      const w = window as unknown as { __watch: Watch };
      w.__watch = { maxRows: 0, maxElements: 0, maxLongTaskMs: 0 };
      const list = document.getElementById('list')!;
      new MutationObserver(() => {
        w.__watch.maxRows = Math.max(w.__watch.maxRows, list.querySelectorAll('.row').length);
        w.__watch.maxElements = Math.max(
          w.__watch.maxElements,
          list.getElementsByTagName('*').length,
        );
      }).observe(list, { childList: true, subtree: true });
      new PerformanceObserver((l) => {
        for (const e of l.getEntries())
          w.__watch.maxLongTaskMs = Math.max(w.__watch.maxLongTaskMs, e.duration);
      }).observe({ type: 'longtask' });
    });

    const nowSec = Math.floor(Date.now() / 1000);
    const t0 = performance.now();
    const commits: Promise<void>[] = [];
    for (let start = 0; start < LINES; start += BATCH) {
      const records: LogRecord[] = [];
      for (let i = start; i < start + BATCH; i++) records.push(line(i, nowSec));
      commits.push(h.collector.writer.submit({ records }));
    }
    // While the flood arrives, how long the page takes to answer (its main thread's lag).
    let slowestAnswerMs = 0;
    let shown = false;
    const shownAt = waitForLine(page, `flood line ${LINES - 1} `, 90_000).then(() => {
      shown = true;
      return performance.now();
    });
    const committedAt = Promise.all(commits).then(() => performance.now());
    while (!shown) {
      const a = performance.now();
      await page.evaluate(() => 0);
      slowestAnswerMs = Math.max(slowestAnswerMs, performance.now() - a);
      await Promise.race([shownAt, new Promise((r) => setTimeout(r, 100))]);
    }
    const tCommit = (await committedAt) - t0;
    const tShown = (await shownAt) - t0;

    const watch = await page.evaluate(() => (window as unknown as { __watch: Watch }).__watch);
    const count = await page.textContent('#status-count');
    const notices = await page.$$eval('#list .row.notice', (els) => els.map((e) => e.textContent));
    const jsHeapMb = await page.evaluate(
      () =>
        ((performance as unknown as { memory?: { usedJSHeapSize: number } }).memory
          ?.usedJSHeapSize ?? 0) /
        2 ** 20,
    );
    console.log(
      [
        `[browser speed] ${LINES.toLocaleString('en-US')} lines in batches of ${BATCH}:`,
        `  committed by the writer      ${(tCommit / 1000).toFixed(2)} s`,
        `  last line shown on the page  ${(tShown / 1000).toFixed(2)} s after the first submit`,
        `  page holds                   ${count}`,
        `  dropped-line notices         ${notices.filter((n) => n?.includes('dropped')).length}`,
        `  most .row elements at once   ${watch.maxRows} (${watch.maxElements} elements in the list)`,
        `  longest main-thread task     ${watch.maxLongTaskMs.toFixed(0)} ms`,
        `  slowest page answer          ${slowestAnswerMs.toFixed(0)} ms`,
        `  JS heap                      ${jsHeapMb.toFixed(0)} MB`,
      ].join('\n'),
    );

    expect(watch.maxRows).toBeGreaterThan(10);
    expect(watch.maxRows).toBeLessThan(MAX_ROW_ELEMENTS);
    expect(watch.maxElements).toBeLessThan(MAX_ROW_ELEMENTS * 12);
    // Following the bottom: the last line is the last row drawn.
    const last = await page.$$eval('#list .row[data-id] .msg', (els) => els.at(-1)?.textContent);
    expect(last).toMatch(new RegExp(`^flood line ${LINES - 1} `));
    // The top of the list is reachable too: the oldest line held is drawn there.
    await page.evaluate(() => {
      document.getElementById('list')!.scrollTop = 0;
    });
    await page.waitForFunction(
      () =>
        document.querySelector('#list .row[data-id] .msg')?.textContent?.startsWith('flood line '),
      undefined,
      { polling: 50 },
    );
    expect(await page.locator('#list .row').count()).toBeLessThan(MAX_ROW_ELEMENTS);
    expect(v.problems).toEqual([]);
    await v.close();
  });
});

/**
 * The store banner (issue 16), in Chromium against a real logharbor whose PostgreSQL is
 * cut by a proxy (../syslog/outage.ts): syslog lines sent meanwhile wait in the spool,
 * the banner says "PostgreSQL unreachable", the failed search says the same rather than
 * "internal error", the health panel's "Store" section shows the spool and PostgreSQL's
 * error; once the proxy is restored and the spool drained, the banner goes and the search
 * runs again by itself.
 *
 * Nothing sleeps: the test waits on the collector's own status and on the page's DOM, and
 * moves the page's clock to its next poll instead of waiting 5-10 s for it.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../core/log.js';
import { LAG_BUSY_MS, LAG_IDLE_MS } from '../../../web/src/lag-feed.js';
import { browserUnavailable, ensureViewerBuilt, launchBrowser } from '../../support/browser.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { unavailable } from '../../support/skip.js';
import { startOutageProxy, until, type Outage } from '../syslog/outage.js';
import { sendTcp } from '../syslog/wire.js';
import { eventually, newViewerContext, openViewer, screenshot } from './viewer.js';

const noBrowser = unavailable('the browser tests', browserUnavailable());

/** RFC 5424 lines from app `banner`, newline-framed (RFC 6587 section 3.4.2). */
function lines(...messages: string[]): Buffer[] {
  const ts = new Date().toISOString();
  return [Buffer.from(messages.map((m) => `<14>1 ${ts} h banner - - - ${m}\n`).join(''))];
}

describe.skipIf(noBrowser)('viewer: the store banner while PostgreSQL is away, in Chromium', () => {
  let h: Harness;
  let browser: Browser;
  let outage: Outage;

  beforeAll(async () => {
    outage = await startOutageProxy();
    [h, browser] = await Promise.all([
      startHarness({}, silentLogger, { databaseUrl: outage.databaseUrl }),
      ensureViewerBuilt().then(() => launchBrowser()),
    ]);
    await sendTcp(h.port('syslog-tcp'), lines('stored before the outage'));
    await h.stored();
  });
  afterAll(async () => {
    outage?.proxy.restore();
    await browser?.close();
    await h?.close();
    await outage?.proxy.close();
  });

  it('says PostgreSQL is unreachable while lines wait, and goes once they are stored', async () => {
    const context = await newViewerContext(browser);
    // The page's clock runs, and the test moves it to the feed's next poll.
    await context.clock.install();
    const v = await openViewer(browser, h.httpUrl, '?live=0&q=app:banner', { context });
    const { page } = v;
    const banner = page.locator('#store-banner');
    const status = () => page.textContent('#status-state');
    // A locator's wait, not waitForLine's timed polling: the page's timers are the test's.
    const line = (text: string) => page.locator('#list .row .msg', { hasText: text }).waitFor();
    await line('stored before the outage');
    await eventually(status).toBe('All matching lines loaded');
    expect(await banner.isHidden()).toBe(true);

    // PostgreSQL away, nothing to store yet: a new search fails, and no banner explains it.
    outage.proxy.cut();
    await page.fill('#q', 'app:banner waited');
    await page.press('#q', 'Enter');
    await eventually(status).toBe('Search failed: the server could not answer');
    expect(await banner.isHidden()).toBe(true);

    // Lines arrive: they wait in the spool, and the writer reports PostgreSQL unreachable.
    await sendTcp(h.port('syslog-tcp'), lines('waited 1', 'waited 2', 'waited 3'));
    await until(
      'the writer to fail',
      () => h.collector.sink.status().postgres_down_since !== null,
      30_000,
    );
    expect(h.collector.sink.status().waiting).toBeGreaterThan(0);
    await page.clock.fastForward(LAG_IDLE_MS);
    await banner.waitFor({ state: 'visible' });
    expect(await banner.locator('.sb-lines').textContent()).toMatch(
      /^PostgreSQL unreachable for \d+ s, [\d.]+ (B|KB|MB) waiting in the spool$/,
    );
    expect(await banner.getAttribute('class')).toContain('bad');
    // The failed search now says the same as the banner, not "internal error".
    await eventually(status).toBe('Search failed: PostgreSQL is unreachable (see the banner)');
    expect(await page.textContent('#qerror')).toMatch(/^PostgreSQL is unreachable: /);
    expect(await page.textContent('#list .edge-note')).toBe(
      'Nothing to show while PostgreSQL is unreachable.',
    );
    await screenshot(page, 'store-banner');

    // The banner's button opens the health panel on the Store section.
    await banner.locator('button[data-action="store-details"]').click();
    const row = page.locator('.overlay:not(.hidden) table.store tbody tr').first();
    await row.waitFor();
    await screenshot(page, 'health-store');
    const cells = await row.locator('td').allTextContents();
    expect(cells[1]).toMatch(/ of /);
    expect(Number(cells[2])).toBeGreaterThan(0);
    expect(cells[5]).toMatch(/^unreachable since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d: ./);
    expect(cells.slice(6)).toEqual([h.cfg.spoolSync, h.cfg.forwardAck]);
    await page.keyboard.press('Escape');

    // PostgreSQL back: the writer's retry (backoff up to 5 s) stores what waited.
    outage.proxy.restore();
    await h.stored(60_000);
    await until(
      'the writer to succeed',
      () => h.collector.sink.status().postgres_down_since === null,
    );
    await page.clock.fastForward(LAG_BUSY_MS);
    await banner.waitFor({ state: 'hidden' });
    // The search that failed runs again by itself and finds the lines that waited.
    await line('waited 3');
    await eventually(status).toBe('All matching lines loaded');
    expect(await page.locator('#qerror').isHidden()).toBe(true);
    // The refused searches are the browser's only complaints.
    expect(v.problems.filter((p) => !/status of 5\d\d/.test(p))).toEqual([]);
    await v.close();
    await context.close();
  }, 120_000);
});

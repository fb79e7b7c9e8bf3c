/**
 * The live tail survives a server restart with no gap and no duplicate (issue 5, point
 * 1; DESIGN.md, "The API": the tail "resumes from a cursor with no gap and no
 * duplicate"). The API goes down and comes back on the same port and database while the
 * collector keeps storing; the page reconnects by itself with `after=<the last id it
 * had>`, and shows every line sent before, during and after the outage exactly once, in
 * order.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, ensureViewerBuilt, launchBrowser } from '../../support/browser.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { FakeContainer, allRows, openViewer, waitForLine, waitLive } from './viewer.js';

const skip = browserUnavailable();

const lines = (phase: string): string[] => Array.from({ length: 8 }, (_, i) => `${phase} ${i}`);

describe.skipIf(skip)('viewer: reconnect after a server restart, in Chromium', () => {
  let h: Harness;
  let browser: Browser;
  let steady: FakeContainer;

  beforeAll(async () => {
    [h, browser] = await Promise.all([
      startHarness(),
      ensureViewerBuilt().then(() => launchBrowser()),
    ]);
    steady = new FakeContainer(h.forwardPort, { name: 'steady' });
  });
  afterAll(async () => {
    steady?.close();
    await browser?.close();
    await h?.close();
  });

  it('shows every line sent before, during and after the outage once, in order', async () => {
    const v = await openViewer(browser, h.httpUrl, '?c=steady');
    const { page } = v;
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
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
    for (const p of v.problems) expect(p).toMatch(/ERR_CONNECTION_REFUSED|WebSocket|Failed to load/);
    await v.close();
  });
});

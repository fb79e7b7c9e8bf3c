/**
 * A server with LOGHARBOR_API_TOKEN (issue 5, point 7): the page asks for the token once
 * (one dialog however many requests were refused), asks again when the token is wrong,
 * keeps it in the browser so a reload does not ask, and then loads lines over both the
 * API and the live-tail websocket (which carries it as `?token=`).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, ensureViewerBuilt, launchBrowser } from '../../support/browser.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { unavailable } from '../../support/skip.js';
import {
  FakeContainer,
  eventually,
  newViewerContext,
  openViewer,
  screenshot,
  waitForLine,
  waitLive,
} from './viewer.js';

const noBrowser = unavailable('the browser tests', browserUnavailable());

const TOKEN = 'browser-test-token-3f9a';

/** Dialogs shown by this page load (counted by an init script). */
function prompts(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __prompts: number }).__prompts);
}

describe.skipIf(noBrowser)('viewer: API token, in Chromium', () => {
  let h: Harness;
  let browser: Browser;
  let app: FakeContainer;

  beforeAll(async () => {
    [h, browser] = await Promise.all([
      startHarness({ LOGHARBOR_API_TOKEN: TOKEN }),
      ensureViewerBuilt().then(() => launchBrowser()),
    ]);
    app = new FakeContainer(h.forwardPort, { name: 'vault', project: 'secure' });
    await app.send(['stored before the page opened']);
  });
  afterAll(async () => {
    app?.close();
    await browser?.close();
    await h?.close();
  });

  it('asks once, asks again for a wrong token, keeps the right one across a reload', async () => {
    const context = await newViewerContext(browser);
    await context.addInitScript(() => {
      const w = window as unknown as { __prompts: number };
      w.__prompts = 0;
      const show = HTMLDialogElement.prototype.showModal;
      HTMLDialogElement.prototype.showModal = function (this: HTMLDialogElement) {
        w.__prompts++;
        show.call(this);
      };
    });
    const v = await openViewer(browser, h.httpUrl, '', { context });
    const { page } = v;
    const dialog = page.locator('dialog.token-dlg[open]');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('This server needs an API token.');
    await screenshot(page, 'token-prompt');

    await dialog.locator('input[type=password]').fill('not-the-token');
    await dialog.locator('button[type=submit]').click();
    await eventually(() => dialog.textContent()).toContain('The token was not accepted.');
    await dialog.locator('input[type=password]').fill(TOKEN);
    await dialog.locator('button[type=submit]').click();

    await waitForLine(page, 'stored before the page opened');
    await waitLive(page);
    await app.send(['sent while the page is open']);
    await waitForLine(page, 'sent while the page is open');
    await page.waitForSelector('#side .ctr[data-name="vault"]');
    // Every request refused with the wrong token shared the second dialog.
    expect(await prompts(page)).toBe(2);
    expect(await page.evaluate(() => localStorage.getItem('logharbor.token'))).toBe(TOKEN);

    await page.reload();
    await waitForLine(page, 'sent while the page is open');
    await waitLive(page);
    await app.send(['sent after the reload']);
    await waitForLine(page, 'sent after the reload');
    expect(await prompts(page)).toBe(0);
    expect(await page.locator('dialog').count()).toBe(0);
    // The browser's own console lines for the refused requests are the only errors.
    expect(v.problems.filter((p) => !/status of 401/.test(p))).toEqual([]);
    await v.close();
    await context.close();
  });
});

/**
 * Alerts on the page in Chromium (issue 19): an alert made from the page's Alerts panel
 * (its query taken from the view, a bad one refused with the server's message), then a
 * matching line sent by npm `fluent-logger`: the badge shows the notification, the real
 * receiver gets the webhook, and the panel lists the notification with its delivery; the
 * badge clears once seen. A real logharbor with the alert service (api/alerts/) on it.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertService } from '../../../api/alerts/service.js';
import { silentLogger } from '../../../core/log.js';
import { browserUnavailable, ensureViewerBuilt, launchBrowser } from '../../support/browser.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { unavailable } from '../../support/skip.js';
import { Container } from '../alerts/lines.js';
import { Receiver } from '../alerts/receiver.js';
import { cspViolations, eventually, openViewer, waitLive, type Viewer } from './viewer.js';

const noBrowser = unavailable('the browser tests', browserUnavailable());

describe.skipIf(noBrowser)('alerts on the page', () => {
  let h: Harness;
  let browser: Browser;
  let rx: Receiver;
  let service: AlertService;
  let viewer: Viewer | undefined;
  let sender: Container | undefined;

  beforeAll(async () => {
    [h, browser, rx] = await Promise.all([
      startHarness({ LOGHARBOR_API_RATE_LIMIT: '0' }),
      ensureViewerBuilt().then(() => launchBrowser()),
      Receiver.start(),
    ]);
    service = new AlertService({
      url: h.db.url,
      pool: h.pool,
      hub: h.hub,
      log: silentLogger,
      webhookTimeoutMs: 2000,
      retryForMs: 60_000,
      keepMs: 86_400_000,
      deliverer: { pollMs: 200 },
    }).start();
  });

  afterAll(async () => {
    sender?.close();
    await viewer?.close();
    await browser?.close();
    await service?.close();
    await rx?.close();
    await h?.close();
  });

  it(
    'makes an alert from the page and shows the badge when a matching line arrives',
    { timeout: 180_000 },
    async () => {
      viewer = await openViewer(browser, h.httpUrl, '?q=payment+failed');
      const { page, problems } = viewer;
      await waitLive(page);
      expect(await page.locator('#alerts-badge').isHidden()).toBe(true);

      await page.click('#alerts-btn');
      const form = page.locator('.al-form');
      // The query in view is the form's starting point.
      expect(await form.locator('input[name=query]').inputValue()).toBe('payment failed');
      await form.locator('input[name=name]').fill('payments');

      // A bad query: the server's parser answers, with the column.
      await form.locator('input[name=query]').fill('payment (failed');
      await form.locator('button[type=submit]').click();
      await eventually(() => form.locator('.al-error').textContent()).toContain('LH_QUERY_SYNTAX');
      expect(await form.locator('.al-error').textContent()).toContain('column 9');
      // Chromium reports the refused request on its console: that one is expected.
      expect(problems.splice(0)).toEqual([
        'console: Failed to load resource: the server responded with a status of 400 (Bad Request)',
      ]);

      await form.locator('input[name=query]').fill('payment failed');
      await form.locator('input[name=min_interval]').fill('0s');
      await form.locator('input[name=url]').fill(rx.url('/page'));
      await form.locator('button[type=submit]').click();
      await eventually(() => page.locator('.al-item .al-name').allTextContents()).toEqual([
        'payments',
      ]);
      expect(await page.locator('.al-item .al-what').textContent()).toContain(
        'any match of payment failed',
      );
      expect(await page.locator('.al-item .al-url').textContent()).toBe(rx.url('/page'));
      await page.keyboard.press('Escape');

      // The evaluator follows the new alert (it checkpointed its state), then the line comes.
      await expect
        .poll(async () => (await h.pool.query('SELECT 1 FROM alert_state')).rowCount, {
          timeout: 60_000,
        })
        .toBe(1);
      sender = new Container(h.forwardPort, 'shop');
      await sender.send(['payment ok', 'payment failed: card <b>declined</b>']);

      // The line's way to the badge is the live stream's (which a loaded machine slows) and a
      // poll every 3 s: a longer bound than the page's other waits.
      await expect
        .poll(() => page.locator('#alerts-badge').textContent(), { timeout: 60_000, interval: 100 })
        .toBe('1');
      expect(await page.locator('#alerts-badge').getAttribute('class')).toContain('firing');
      await rx.until(() => rx.bodies('/page').length === 1, 'the webhook');
      expect(rx.bodies('/page')[0]).toMatchObject({ kind: 'firing', count: 1 });

      // Opened: the notification with its sample and delivery; the badge is cleared.
      await page.click('#alerts-btn');
      await eventually(() => page.locator('.al-note .al-text').allTextContents()).toEqual([
        'logharbor alert "payments" 1 match of payment failed',
      ]);
      await eventually(() => page.locator('.al-note .al-deliv').textContent()).toContain(
        'delivered',
      );
      // Log text as text: the markup in the line is shown, not parsed.
      expect(await page.locator('.al-note .al-samples').textContent()).toContain(
        'shop: payment failed: card <b>declined</b>',
      );
      expect(await page.locator('.al-note b').count()).toBe(0);
      await eventually(() => page.locator('#alerts-badge').isHidden()).toBe(true);

      // Switched off from the page.
      await page.click('.al-item [data-action=toggle]');
      await eventually(() => page.locator('.al-item .al-state').textContent()).toBe('off');

      expect(problems).toEqual([]);
      expect(await cspViolations(page)).toEqual([]);
    },
  );
});

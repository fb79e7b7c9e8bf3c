/**
 * The doctor's panel in headless Chromium: the Doctor button opens it, findings show with
 * their paste-ready lines, a sender's hostile name stays text, "Check again" picks up a
 * new sender, and the page raises no error or CSP violation.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, ensureViewerBuilt, launchBrowser } from '../../support/browser.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { unavailable } from '../../support/skip.js';
import { cspViolations, eventually, openViewer, screenshot } from '../browser/viewer.js';
import {
  sendDockerLike,
  sendPlainFluentLogger,
  startDoctorApi,
  type DoctorApi,
} from './doctor-app.js';

const noBrowser = unavailable('the browser tests', browserUnavailable());
const HOSTILE = '<img src=x onerror=alert(1)>';

describe.skipIf(noBrowser)('the doctor panel, in Chromium', () => {
  let h: Harness;
  let api: DoctorApi;
  let browser: Browser;

  beforeAll(async () => {
    [h, browser] = await Promise.all([
      startHarness(),
      ensureViewerBuilt().then(() => launchBrowser()),
    ]);
    api = await startDoctorApi(h);
    await sendPlainFluentLogger(h.forwardPort, 'plain', 'app', ['no ack']);
    await sendDockerLike(h.forwardPort, { name: HOSTILE }, [
      'from a container with a strange name',
    ]);
    await h.waitForRows(2);
    await h.collector.doctor.flush();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await h?.close();
  });

  it('opens from the Doctor button and shows each finding with the lines to paste', async () => {
    const v = await openViewer(browser, api.url);
    const { page } = v;
    await page.click('#doctor-btn');
    const plain = page.locator('.dr-sender[data-sender="tag:plain.app"]');
    const noAck = plain.locator('.dr-finding[data-id="forward-no-ack"]');
    await noAck.waitFor();
    expect(await noAck.locator('.dr-title').textContent()).toContain(
      'No acknowledgements: lines in flight can be lost',
    );
    expect(
      await noAck.locator('.dr-paste[data-kind="fluent-logger (Node.js)"] code').textContent(),
    ).toBe('createFluentSender(tag, { requireAckResponse: true })');
    // Its client's setting only: no Docker line asks for acks.
    expect(await noAck.locator('.dr-paste[data-kind^="docker run"]').count()).toBe(0);
    await expect
      .poll(() =>
        plain
          .locator('.dr-finding')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-id'))),
      )
      .toEqual(['forward-no-ack', 'forward-seconds']);

    // The container's name came off the wire: shown as text, never as markup.
    const hostile = page.locator('.dr-sender', { hasText: HOSTILE });
    await hostile.waitFor();
    expect(await hostile.locator('.dr-name').textContent()).toBe(HOSTILE);
    expect(await page.locator('.overlay img').count()).toBe(0);
    expect(
      await hostile
        .locator('.dr-finding[data-id="forward-no-compose"] .dr-paste code')
        .textContent(),
    ).toBe('--log-opt labels=com.docker.compose.project,com.docker.compose.service');
    const compose = hostile.locator('.dr-all .dr-paste[data-kind="compose"] code');
    expect(await compose.textContent()).toBe(
      [
        'logging:',
        '  driver: fluentd',
        '  options:',
        `    fluentd-address: "127.0.0.1:${h.forwardPort}"`,
        '    labels: "com.docker.compose.project,com.docker.compose.service"',
      ].join('\n'),
    );
    await expect
      .poll(() => page.locator('.dr-general .dr-finding').getAttribute('data-id'))
      .toBe('docker-blocking-mode');
    await screenshot(page, 'doctor');

    // A sender that arrives later shows after "Check again".
    await sendPlainFluentLogger(h.forwardPort, 'later', 'app', ['later']);
    await h.waitForRows(3);
    await h.collector.doctor.flush();
    await page.getByRole('button', { name: 'Check again' }).click();
    await page.locator('.dr-sender[data-sender="tag:later.app"]').waitFor();

    await page.keyboard.press('Escape');
    await eventually(() => page.locator('.overlay:not(.hidden)').count()).toBe(0);
    expect(v.problems).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
    await v.close();
  });
});

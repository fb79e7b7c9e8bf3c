/**
 * Log text is untrusted (issue 5, point 8; DESIGN.md, "The viewer"): lines, container
 * and project names, tags, attrs keys and values, and the query in the URL carry HTML
 * and script, and in a real browser nothing of it runs or becomes an element; it is
 * shown as the text it is. Checked twice: under the page's own Content-Security-Policy,
 * and with the CSP bypassed, so escaping alone is shown to be enough (the CSP is the
 * second wall, not the first).
 *
 * The CSP itself: the header is strict, and using every view of the page (live tail,
 * ANSI colours, JSON tree, search, histogram zoom, context, health, theme, zone, help)
 * raises no violation, while an injected inline script is refused and reported.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, ensureViewerBuilt, launchBrowser } from '../../support/browser.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { unavailable } from '../../support/skip.js';
import {
  FakeContainer,
  eventually,
  cspViolations,
  openViewer,
  shownRows,
  waitForLine,
  waitLive,
} from './viewer.js';

const noBrowser = unavailable('the browser tests', browserUnavailable());

const IMG = '<img src=x onerror="window.__xss=1">';
const SCRIPT = '<script>window.__xss=2</script>';
const ANSI_IMG = '\u001b[31m<img src=x onerror="window.__xss=3">\u001b[0m';
const JSON_LINE = JSON.stringify({
  level: 'error',
  msg: '<img src=x onerror="window.__xss=4">',
  html: '<script>window.__xss=5</script>',
});
const EVIL_NAME = '<img src=x onerror=window.__xss=6>';
const EVIL_PROJECT = '<svg onload="window.__xss=7">';
const EVIL_TAG = '<iframe srcdoc="<script>parent.__xss=8</script>">';
const EVIL_KEY = '<b onmouseover="window.__xss=9">k</b>';
const EVIL_QUERY = '"<img src=x onerror=window.__xss=10>';

/** Elements no log text may ever become, inside the parts of the page that show it. */
const FORBIDDEN =
  ':is(#list, #side, #overlays, #qerror) :is(img, script, svg, iframe, object, embed, b, i)';

describe.skipIf(noBrowser)('viewer: untrusted text and the CSP, in Chromium', () => {
  let h: Harness;
  let browser: Browser;
  const senders: FakeContainer[] = [];

  beforeAll(async () => {
    [h, browser] = await Promise.all([
      startHarness(),
      ensureViewerBuilt().then(() => launchBrowser()),
    ]);
    const evil = new FakeContainer(h.forwardPort, {
      name: EVIL_NAME,
      project: EVIL_PROJECT,
      extra: { [EVIL_KEY]: IMG },
    });
    const plain = new FakeContainer(h.forwardPort, { name: null }, EVIL_TAG);
    senders.push(evil, plain);
    await evil.send([IMG, SCRIPT, ANSI_IMG, JSON_LINE]);
    await plain.send(['from a tag <script>window.__xss=11</script>']);
  });
  afterAll(async () => {
    for (const s of senders) s.close();
    await browser?.close();
    await h?.close();
  });

  async function xssState(page: Page): Promise<{ xss: unknown; elements: string[] }> {
    return page.evaluate((sel) => {
      return {
        xss: (window as unknown as { __xss?: unknown }).__xss,
        elements: [...document.querySelectorAll(sel)].map((e) => e.outerHTML),
      };
    }, FORBIDDEN);
  }

  for (const bypassCSP of [false, true]) {
    it(`keeps HTML in logs, names, tags, attrs and the URL as text${bypassCSP ? ' (CSP bypassed)' : ''}`, async () => {
      const v = await openViewer(browser, h.httpUrl, '', { bypassCSP });
      const { page } = v;
      await waitLive(page);
      await waitForLine(page, 'from a tag');
      const messages = (await shownRows(page)).map((r) => r.message);
      // Shown literally; the ANSI colour is applied and its codes gone.
      expect(messages).toEqual([
        IMG,
        SCRIPT,
        '<img src=x onerror="window.__xss=3">',
        JSON_LINE,
        'from a tag <script>window.__xss=11</script>',
      ]);
      const origins = await page.$$eval('#list .row .src', (els) => els.map((e) => e.textContent));
      expect(origins).toEqual([EVIL_NAME, EVIL_NAME, EVIL_NAME, EVIL_NAME, `docker.${EVIL_TAG}`]);

      // Every row's details: full text, JSON tree, attrs with the evil key, every field.
      const rows = page.locator('#list .row[data-id]');
      for (let i = 0; i < (await rows.count()); i++) {
        await rows.nth(i).locator('button.tg').click();
        await rows.nth(i).locator('.detail').waitFor();
        const detail = await rows.nth(i).locator('.detail').textContent();
        if (i === 0) expect(detail).toContain(EVIL_KEY);
        if (i === 3) expect(detail).toContain('<script>window.__xss=5</script>');
        if (i === 4) expect(detail).toContain(`docker.${EVIL_TAG}`);
      }
      // The side list names the container and its project as text.
      const evilCtr = page.locator('#side .ctr .name', { hasText: EVIL_NAME });
      await evilCtr.waitFor();
      expect(await evilCtr.textContent()).toBe(EVIL_NAME);
      expect(
        await page.$$eval('#side .grp-name', (els) => els.map((e) => e.textContent)),
      ).toContain(EVIL_PROJECT);
      // The lines around one, in the context panel.
      const first = (await shownRows(page))[0]!;
      await page.hover(`#list .row[data-id="${first.id}"]`);
      await page.click(`#list .row[data-id="${first.id}"] a.ctx`);
      await page.waitForSelector('.overlay:not(.hidden) .ctx-list .row.focus');
      expect(await page.textContent('.overlay:not(.hidden) .ctx-list .row.focus .msg')).toBe(IMG);
      await page.keyboard.press('Escape');
      // Filtering on the evil container quotes its name in the query the page builds.
      await evilCtr.click();
      await page.waitForURL(/[?&]c=/);
      await waitLive(page);
      await eventually(async () => (await shownRows(page)).length).toBe(4);

      // A query from a shared link, with HTML and a syntax error, is shown as text too.
      await page.goto(`${h.httpUrl}/?live=0&q=${encodeURIComponent(EVIL_QUERY)}`);
      await page.waitForSelector('#qerror:not(.hidden) .qerr-where');
      expect(await page.inputValue('#q')).toBe(EVIL_QUERY);
      expect(await page.textContent('#qerror .qerr-where')).toContain(EVIL_QUERY);

      const state = await xssState(page);
      expect(state.xss).toBeUndefined();
      expect(state.elements).toEqual([]);
      // Nothing needed the CSP's help: no violation at all.
      expect(await cspViolations(page)).toEqual([]);
      expect(v.problems.filter((p) => !/status of 400/.test(p))).toEqual([]);
      if (bypassCSP) {
        // The probe works: HTML parsed into the page does run here, and is found.
        await page.evaluate((html) => {
          document.getElementById('side')!.insertAdjacentHTML('beforeend', html);
        }, IMG);
        await eventually(async () => (await xssState(page)).xss).toBe(1);
        expect((await xssState(page)).elements).toHaveLength(1);
      }
      await v.close();
    });
  }

  it('serves a strict CSP and the page raises no violation in any view', async () => {
    const res = await fetch(`${h.httpUrl}/`);
    const csp = res.headers.get('content-security-policy') ?? '';
    const directives = new Map(
      csp.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name!, values.join(' ')];
      }),
    );
    expect(directives.get('default-src')).toBe("'self'");
    expect(directives.get('script-src')).toBe("'self'");
    expect(directives.get('style-src')).toBe("'self'");
    expect(directives.get('object-src')).toBe("'none'");
    expect(directives.get('base-uri')).toBe("'none'");
    expect(directives.get('frame-ancestors')).toBe("'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');

    const colours = new FakeContainer(h.forwardPort, { name: 'colours', project: 'demo' });
    senders.push(colours);
    const v = await openViewer(browser, h.httpUrl, '?c=colours');
    const { page } = v;
    await waitLive(page);
    // 16, 256 and true colours: the last two are set through the CSSOM, which the CSP allows.
    await colours.send([
      '\u001b[1;32mok\u001b[0m \u001b[38;5;208m256 orange\u001b[0m \u001b[38;2;10;200;250mtrue colour\u001b[0m',
      '{"level":"warn","msg":"json line","nested":{"a":[1,2,{"b":null}]}}',
      'level=error msg="logfmt line"',
    ]);
    await waitForLine(page, 'logfmt line');
    expect(
      await page.$eval('#list .row .msg span:nth-child(2)', (e) => getComputedStyle(e).color),
    ).toBe('rgb(255, 135, 0)');
    await page.locator('#list .row[data-id]').nth(1).locator('button.tg').click();
    await page.waitForSelector('#list .row.open .json details');
    await page.click('#theme-btn');
    await page.click('#zone-btn');
    await page.click('#help-btn');
    await page.click('#health-btn');
    await page.waitForSelector('.overlay:not(.hidden) table.health');
    await page.keyboard.press('Escape');
    await page.click('#live-btn');
    await page.waitForURL(/live=0/);
    await page.locator('#hist .hist-bar').first().click();
    await page.waitForURL(/to=/);
    await page.waitForSelector('#list .row[data-id]');
    expect(await cspViolations(page)).toEqual([]);
    expect(v.problems).toEqual([]);

    // The watch works: an inline script injected now is refused, and reported.
    await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inline = 1';
      document.body.append(s);
    });
    await eventually(() => cspViolations(page)).toEqual(['script-src-elem blocked inline']);
    expect(await page.evaluate(() => (window as unknown as { __inline?: number }).__inline)).toBe(
      undefined,
    );
    await v.close();
  });
});

/**
 * Issue 15 in Chromium: no page the user visits may read the logs. A real logharbor on
 * 127.0.0.1 with no token and a line holding `password=hunter2` stored first; Chromium
 * resolves `evil.test` and `logs.test` to 127.0.0.1 (`--host-resolver-rules`), so a name
 * can be served by logharbor as a rebinding attacker's name would be.
 *
 *   - DNS rebinding: the viewer opened as http://evil.test:<port>/ gets 421, and an
 *     attacker's page at that origin (its HTML served before the name moved to
 *     127.0.0.1; playwright plays that part) reads nothing with same-origin fetches, and
 *     its websocket is refused;
 *   - another site (http://evil.test:<other port>/) and another local server
 *     (http://127.0.0.1:<other port>/): their fetch, no-cors fetch, image and websocket
 *     to http://127.0.0.1:<port> get nothing readable, and logharbor refused each;
 *   - a state-changing route (a dummy on the real app): a cross-site form is refused,
 *     the page's own JSON POST is taken;
 *   - the reverse proxy's name (LOGHARBOR_ALLOWED_HOSTS=logs.test) shows the live tail.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../api/app.js';
import { silentLogger } from '../../../core/log.js';
import { newRecord } from '../../../core/record.js';
import { Telemetry } from '../../../core/telemetry.js';
import { browserUnavailable, ensureViewerBuilt, launchBrowser } from '../../support/browser.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { unavailable } from '../../support/skip.js';
import { newViewerContext, openViewer, waitForLine, waitLive, WAIT_MS } from './viewer.js';

const SECRET = 'password=hunter2';

/**
 * The attacker's script: every way a page can ask `target` for the logs, and what it got
 * back, in `window.__result` (a string per door).
 */
function attackerHtml(target: string): string {
  const script = `
(async () => {
  const T = ${JSON.stringify(target)};
  const out = {};
  const text = async (p) => { try { return await p(); } catch (e) { return 'refused: ' + e.message; } };
  out.fetch = await text(async () => { const r = await fetch(T + '/api/logs?q=hunter2'); return r.status + ' ' + (await r.text()); });
  out.noCors = await text(async () => { const r = await fetch(T + '/api/logs', { mode: 'no-cors' }); return r.type + ' ' + r.status + ' ' + (await r.text()); });
  out.post = await text(async () => { const r = await fetch(T + '/api/logs', { method: 'POST', mode: 'no-cors', body: 'a=1' }); return r.type + ' ' + r.status; });
  out.image = await new Promise((resolve) => { const i = new Image(); i.onload = () => resolve('load'); i.onerror = () => resolve('error'); i.src = T + '/api/logs?q=hunter2'; });
  out.ws = await new Promise((resolve) => {
    const seen = [];
    const ws = new WebSocket(T.replace(/^http/, 'ws') + '/api/tail');
    ws.onopen = () => seen.push('open');
    ws.onmessage = (m) => seen.push('message ' + m.data);
    ws.onclose = (e) => { seen.push('close ' + e.code); resolve(seen.join('; ')); };
    setTimeout(() => resolve(seen.join('; ') + '; still open'), 10000);
  });
  window.__result = out;
})();`;
  return `<!doctype html><title>attacker</title><script>${script}</script>`;
}

/** A cross-site form posting what looks like JSON as text/plain (the classic CSRF trick). */
function formHtml(action: string): string {
  return (
    `<!doctype html><title>attacker</title><form method="POST" enctype="text/plain" action="${action}">` +
    `<input name='{"rule":"drop all","x":"' value='"}'></form><script>document.forms[0].submit()</script>`
  );
}

async function refused(h: Harness): Promise<Record<string, number>> {
  const m = await h.telemetry.httpRefused.get();
  return Object.fromEntries(m.values.map((v) => [String(v.labels.reason), v.value]));
}

describe.skipIf(unavailable('the browser tests', browserUnavailable()))(
  'no page the user visits reads the logs (issue 15), in Chromium',
  () => {
    let h: Harness;
    let browser: Browser;
    let port: number;
    let attacker: http.Server;
    let attackerPort: number;

    beforeAll(async () => {
      [h, browser] = await Promise.all([
        startHarness({ LOGHARBOR_ALLOWED_HOSTS: 'logs.test' }),
        ensureViewerBuilt().then(() =>
          launchBrowser([
            '--host-resolver-rules=MAP evil.test 127.0.0.1, MAP logs.test 127.0.0.1',
            // Chromium's own Local Network Access checks would stop a public page's
            // requests to loopback before logharbor sees them; Firefox and Safari have
            // none, so they are off here: logharbor itself must be the wall.
            '--disable-features=LocalNetworkAccessChecks,PrivateNetworkAccessSendPreflights,BlockInsecurePrivateNetworkRequests',
          ]),
        ),
      ]);
      port = Number(new URL(h.httpUrl).port);
      await h.collector.writer.submit({
        records: [newRecord('syslog', Math.floor(Date.now() / 1000), 0, `login ok ${SECRET}`)],
      });
      await h.waitForRows(1);
      await h.tailCaughtUp();
      // The attacker's own server: any page, asking logharbor at 127.0.0.1.
      attacker = http.createServer((req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        if (req.url?.startsWith('/form?to='))
          res.end(formHtml(decodeURIComponent(req.url.slice(9))));
        else res.end(attackerHtml(`http://127.0.0.1:${port}`));
      });
      await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
      attackerPort = (attacker.address() as AddressInfo).port;
    });
    afterAll(async () => {
      attacker?.close();
      await browser?.close();
      await h?.close();
    });

    it('the viewer under a rebound name gets 421, and its page reads nothing', async () => {
      const context = await newViewerContext(browser);
      const page = await context.newPage();
      const direct = await page.goto(`http://evil.test:${port}/`);
      expect(direct?.status()).toBe(421);
      const shown = await page.content();
      expect(shown).toContain('LH_HOST_NOT_ALLOWED');
      expect(shown).not.toContain('hunter2');

      // The attacker's page, served from evil.test before the name moved to 127.0.0.1:
      // its requests are same-origin to the browser, and reach logharbor.
      const rebound = `http://evil.test:${port}`;
      await page.route(`${rebound}/rebind.html`, (route) =>
        route.fulfill({ contentType: 'text/html', body: attackerHtml(rebound) }),
      );
      const before = await refused(h);
      await page.goto(`${rebound}/rebind.html`);
      await page.waitForFunction(() => '__result' in window, undefined, {
        timeout: WAIT_MS,
      });
      const result = await page.evaluate(
        () => (window as unknown as { __result: Record<string, string> }).__result,
      );
      expect(result.fetch).toMatch(/^421 \{"error":\{"code":"LH_HOST_NOT_ALLOWED"/);
      expect(result.noCors).toMatch(/^basic 421 /);
      expect(result.ws).toBe('close 1006');
      expect(JSON.stringify(result)).not.toContain(SECRET);
      const after = await refused(h);
      // fetch, no-cors fetch, POST, image, websocket: each a refused Host (Chromium tries
      // a 421 once more on a new connection, RFC 9110 section 15.5.20, so some twice).
      expect((after.host ?? 0) - (before.host ?? 0)).toBeGreaterThanOrEqual(5);
      await context.close();
    });

    for (const site of ['evil.test', '127.0.0.1']) {
      it(`a page on http://${site}:<another port> gets nothing from http://127.0.0.1:<port>`, async () => {
        const context = await newViewerContext(browser);
        const page = await context.newPage();
        const before = await refused(h);
        await page.goto(`http://${site}:${attackerPort}/`);
        await page.waitForFunction(() => '__result' in window, undefined, { timeout: WAIT_MS });
        const result = await page.evaluate(
          () => (window as unknown as { __result: Record<string, string> }).__result,
        );
        // CORS hides the answer (logharbor grants no CORS), Cross-Origin-Resource-Policy
        // the opaque ones, and logharbor refused every request anyway.
        expect(result.fetch).toBe('refused: Failed to fetch');
        expect(result.noCors).toBe('refused: Failed to fetch');
        expect(result.post).toBe('refused: Failed to fetch');
        expect(result.image).toBe('error');
        expect(result.ws).toBe('close 1006');
        expect(JSON.stringify(result)).not.toContain(SECRET);
        const after = await refused(h);
        // Origin sent: fetch, POST, websocket; no Origin but Sec-Fetch-Site: no-cors, image.
        expect((after.origin ?? 0) - (before.origin ?? 0)).toBe(3);
        expect((after.fetch_site ?? 0) - (before.fetch_site ?? 0)).toBe(2);
        await context.close();
      });
    }

    it('a state-changing route takes JSON from its own page, and no cross-site form', async () => {
      // A dummy POST route, registered as the alerts routes will be: on the real app.
      const app = await buildApp({
        pool: h.pool,
        telemetry: new Telemetry(),
        log: silentLogger,
        apiToken: null,
        hub: h.hub,
      });
      const calls: unknown[] = [];
      app.post('/api/dummy', async (req) => {
        calls.push(req.body);
        return { ok: true };
      });
      const base = await app.listen({ host: '127.0.0.1', port: 0 });
      try {
        const context = await newViewerContext(browser);
        const page = await context.newPage();
        await page.goto(
          `http://evil.test:${attackerPort}/form?to=${encodeURIComponent(`${base}/api/dummy`)}`,
        );
        // The form navigates to logharbor's refusal.
        await page.waitForURL(`${base}/api/dummy`);
        expect(await page.content()).toContain('LH_ORIGIN_NOT_ALLOWED');
        expect(calls).toEqual([]);
        // The page itself: Chromium sends its real Origin with a same-origin POST, even
        // under the page's Referrer-Policy: no-referrer.
        await page.goto(`${base}/`);
        const status = await page.evaluate(async () => {
          const r = await fetch('/api/dummy', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"rule":"mine"}',
          });
          return r.status;
        });
        expect(status).toBe(200);
        expect(calls).toEqual([{ rule: 'mine' }]);
        await context.close();
      } finally {
        await app.close();
      }
    });

    it("the reverse proxy's name (LOGHARBOR_ALLOWED_HOSTS) shows the logs live", async () => {
      const v = await openViewer(browser, `http://logs.test:${port}`);
      await waitLive(v.page);
      await waitForLine(v.page, SECRET);
      // Chromium ignores (and says so) the Cross-Origin-Opener-Policy header on plain http
      // under a name other than localhost, as it would for any LAN address.
      expect(v.problems.filter((p) => !p.includes('Cross-Origin-Opener-Policy'))).toEqual([]);
      await v.close();
    });
  },
);

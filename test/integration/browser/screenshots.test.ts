/**
 * Screenshots of the main views for the README (issue 5, "Tests it must have"), taken
 * from a real logharbor fed by fluent-logger with an hour of a small Compose project's
 * lines (seeded, so every run draws the same picture up to the clock): the live tail,
 * search results with the histogram, a line's details, the lines around a hit, the
 * ingestion health, the histogram stacked by container with the query's matches marked,
 * and a phone (420x860: wrapped lines, the containers drawer; issue 18). The token prompt
 * is taken by token.test.ts. Each view is checked for what it must show before it is
 * saved to docs/screenshots/<name>.png (1280x720 unless said).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, ensureViewerBuilt, launchBrowser } from '../../support/browser.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { unavailable } from '../../support/skip.js';
import {
  FakeContainer,
  newViewerContext,
  openViewer,
  screenshot,
  shownRows,
  waitForLine,
  waitLive,
  type Line,
  type Viewer,
} from './viewer.js';

const noBrowser = unavailable('the browser tests', browserUnavailable());

/** A small deterministic generator (mulberry32): the same hour of logs on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PATHS = ['/', '/cart', '/api/cart', '/api/order', '/static/app.js', '/login', '/healthz'];

type Make = (r: () => number, ms: number) => Line;

const SERVICES: { name: string; service?: string; make: Make }[] = [
  {
    name: 'shop-web-1',
    service: 'web',
    make: (r) => {
      const path = PATHS[Math.floor(r() * PATHS.length)]!;
      const status = r() < 0.06 ? 502 : 200;
      const text = `172.18.0.1 - - "GET ${path} HTTP/1.1" ${status} ${Math.floor(r() * 50_000)} "-" "Mozilla/5.0"`;
      return { log: status === 502 ? `\u001b[31m${text}\u001b[0m` : text };
    },
  },
  {
    name: 'shop-api-1',
    service: 'api',
    make: (r) => {
      const x = r();
      const rec =
        x < 0.08
          ? { level: 'error', msg: 'upstream timed out', upstream: 'payments:8080', ms: 5000 }
          : x < 0.2
            ? { level: 'warn', msg: 'slow query', table: 'orders', ms: 400 + Math.floor(r() * 900) }
            : {
                level: 'info',
                msg: 'request done',
                path: PATHS[Math.floor(r() * PATHS.length)],
                status: 200,
                ms: Math.floor(r() * 80),
                user: { id: Math.floor(r() * 1000), plan: r() < 0.3 ? 'pro' : 'free' },
              };
      return { log: JSON.stringify(rec) };
    },
  },
  {
    name: 'shop-worker-1',
    service: 'worker',
    make: (r) => {
      const id = 8000 + Math.floor(r() * 999);
      return r() < 0.1
        ? { log: `level=error msg="smtp: connection reset by peer" job=${id}`, stream: 'stderr' }
        : { log: `level=info msg="job done" queue=emails job=${id} ms=${Math.floor(r() * 300)}` };
    },
  },
  {
    name: 'shop-db-1',
    service: 'db',
    make: (r) => ({
      log:
        r() < 0.15
          ? 'LOG:  checkpoint starting: time'
          : `LOG:  duration: ${(r() * 40).toFixed(3)} ms  statement: SELECT * FROM orders WHERE id = ${Math.floor(r() * 1e5)}`,
    }),
  },
  {
    name: 'redis',
    make: (r) => ({
      log:
        r() < 0.5
          ? '1:M * Background saving started by pid 42'
          : `1:M * DB saved on disk (${Math.floor(r() * 900)} keys changed)`,
    }),
  },
];

/** Lines over the last hour, denser (and angrier) around twenty minutes ago. */
function hourOfLines(now: number): Line[][] {
  const r = random(5);
  return SERVICES.map((s) => {
    const out: Line[] = [];
    for (let i = 0; i < 60; i++) {
      const burst = r() < 0.35;
      const ago = burst ? 18 * 60_000 + r() * 5 * 60_000 : r() * 58 * 60_000 + 60_000;
      out.push(s.make(r, now - ago));
      out[out.length - 1]!.ms = Math.floor(now - ago);
    }
    return out.sort((a, b) => a.ms! - b.ms!);
  });
}

describe.skipIf(noBrowser)('viewer: screenshots of the main views', () => {
  let h: Harness;
  let browser: Browser;
  const containers: FakeContainer[] = [];
  let viewer: Viewer | undefined;

  beforeAll(async () => {
    [h, browser] = await Promise.all([
      startHarness(),
      ensureViewerBuilt().then(() => launchBrowser()),
    ]);
    for (const s of SERVICES) {
      containers.push(
        new FakeContainer(h.forwardPort, {
          name: s.name,
          project: s.service ? 'shop' : undefined,
          service: s.service,
        }),
      );
    }
    const lines = hourOfLines(Date.now());
    await Promise.all(containers.map((c, i) => c.send(lines[i]!)));
  });
  afterAll(async () => {
    for (const c of containers) c.close();
    await browser?.close();
    await h?.close();
  });

  async function open(search = ''): Promise<Viewer> {
    await viewer?.close();
    viewer = await openViewer(browser, h.httpUrl, search);
    return viewer;
  }

  /** A few lines from every service, sent now, while the page is open. */
  async function sendNow(): Promise<void> {
    const r = random(9);
    for (let k = 0; k < 3; k++) {
      for (let i = 0; i < SERVICES.length; i++) {
        const line = SERVICES[i]!.make(r, Date.now());
        await containers[i]!.send([
          { ...line, log: k === 2 && i === 0 ? `${line.log} (now)` : line.log },
        ]);
      }
    }
  }

  it('live tail', async () => {
    const { page, problems } = await open();
    await waitLive(page);
    await sendNow();
    await waitForLine(page, '(now)');
    await page.waitForSelector('#side .grp[data-project="shop"] .ctr[data-name="shop-db-1"]');
    await page.waitForSelector('#hist .hist-bar');
    await screenshot(page, 'live-tail');
    expect(problems).toEqual([]);
  });

  it('search results with the histogram', async () => {
    const { page, problems } = await open(`?live=0&q=${encodeURIComponent('level>=warn')}`);
    await page.waitForSelector('#hist .hist-bar');
    await page.waitForSelector('#list .row[data-id]');
    const sev = await page.$$eval('#list .row[data-id] .sev', (els) =>
      els.map((e) => e.textContent),
    );
    expect(new Set(sev)).toEqual(new Set(['WARN', 'ERROR']));
    await screenshot(page, 'search-histogram');
    expect(problems).toEqual([]);
  });

  it("a JSON line's details", async () => {
    const { page, problems } = await open(
      `?live=0&q=${encodeURIComponent('container:shop-api-1 "request done" attrs.user.plan:pro')}`,
    );
    await page.waitForSelector('#list .row[data-id]');
    await page.locator('#list .row[data-id]').nth(2).locator('button.tg').click();
    await page.waitForSelector('#list .row.open .json details');
    await screenshot(page, 'line-details');
    expect(problems).toEqual([]);
  });

  it('the lines around a hit', async () => {
    const { page, problems } = await open(`?live=0&q=${encodeURIComponent('"timed out"')}`);
    await page.waitForSelector('#list .row[data-id]');
    const hit = (await shownRows(page))[3]!;
    await page.hover(`#list .row[data-id="${hit.id}"]`);
    await page.click(`#list .row[data-id="${hit.id}"] a.ctx`);
    await page.waitForSelector('.overlay:not(.hidden) .ctx-list .row.focus');
    expect(await page.locator('.overlay:not(.hidden) .ctx-list .row').count()).toBeGreaterThan(10);
    await screenshot(page, 'context');
    expect(problems).toEqual([]);
  });

  it('ingestion health', async () => {
    const { page, problems } = await open();
    await waitLive(page);
    await page.click('#health-btn');
    await page.waitForSelector('.overlay:not(.hidden) table.health tbody tr');
    const listeners = await page.$$eval('table.health tbody tr td:first-child', (els) =>
      els.map((e) => e.textContent),
    );
    expect(listeners).toContain('forward-tcp');
    await screenshot(page, 'health');
    expect(problems).toEqual([]);
  });

  it('the histogram stacked by container, and the matches of a query marked', async () => {
    const query = '"timed out" OR "connection reset" OR /duration: \\d+/';
    const { page, problems } = await open(`?live=0&q=${encodeURIComponent(query)}`);
    await page.waitForSelector('#hist .hist-legend:not(.hidden) .lg');
    await page.click('#hist .lg-by button[data-by="container"]');
    await page.waitForSelector('#hist .lg[data-key="shop-db-1"]');
    const keys = await page.$$eval('#hist .lg', (els) =>
      els.map((e) => e.getAttribute('data-key')),
    );
    expect(keys).toEqual(expect.arrayContaining(['shop-api-1', 'shop-worker-1', 'shop-db-1']));
    await page.waitForSelector('#list .row[data-id] mark');
    const marks = await page.$$eval('#list .row[data-id] mark', (els) =>
      els.map((e) => e.textContent),
    );
    expect(new Set(marks.map((m) => m?.replace(/\d+$/, '')))).toEqual(
      new Set(['timed out', 'connection reset', 'duration: ']),
    );
    await screenshot(page, 'stacked-histogram');
    expect(problems).toEqual([]);
  });

  it('a phone: wrapped lines, and the containers in a drawer', async () => {
    await viewer?.close();
    viewer = undefined;
    const context = await newViewerContext(browser, { viewport: { width: 420, height: 860 } });
    const v = await openViewer(browser, h.httpUrl, '?live=0&q=container:shop-api-1', {
      context,
    });
    const { page } = v;
    await page.waitForSelector('#list .row[data-id]');
    // A JSON line is longer than the screen is wide: it wraps instead of being cut.
    const msg = page.locator('#list .row[data-id] .msg').last();
    const { scrollWidth, clientWidth } = await msg.evaluate((e) => ({
      scrollWidth: e.scrollWidth,
      clientWidth: e.clientWidth,
    }));
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    await screenshot(page, 'phone');
    await page.click('#side-btn');
    await page.waitForSelector('#side .ctr[data-name="shop-db-1"]', { state: 'visible' });
    await screenshot(page, 'phone-drawer');
    expect(v.problems).toEqual([]);
    await v.close();
    await context.close();
  });
});

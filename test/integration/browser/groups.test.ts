/**
 * The page against the API of issue 18, in Chromium: the histogram stacked by level (and
 * by container) with a legend, every number checked against the API's own answer to the
 * same question; and the container list with Docker's state, a container known only by
 * its id, and "all" one click away. Without the Docker socket the states are absent and
 * the list shows no badge; the badges themselves are checked on an answer of the real
 * API with states added (page.route), as the engine would give them.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRecord, type LogRecord } from '../../../core/record.js';
import { browserUnavailable, ensureViewerBuilt, launchBrowser } from '../../support/browser.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { unavailable } from '../../support/skip.js';
import { FakeContainer, eventually, openViewer, screenshot, shownRows } from './viewer.js';

const noBrowser = unavailable('the browser tests', browserUnavailable());

const ONLY_ID = 'c3d4'.repeat(16);

interface Histogram {
  buckets: { start: string; count: number; groups?: Record<string, number> }[];
  groups?: string[];
}

describe.skipIf(noBrowser)('viewer: stacked histogram and container states, in Chromium', () => {
  let h: Harness;
  let browser: Browser;
  const senders: FakeContainer[] = [];
  /** A fixed range around the lines, so the page and the test ask the same question. */
  let range = '';

  beforeAll(async () => {
    [h, browser] = await Promise.all([
      startHarness(),
      ensureViewerBuilt().then(() => launchBrowser()),
    ]);
    const now = Date.now();
    const start = now - 40 * 60_000;
    range = `from=${new Date(start).toISOString()}&to=${new Date(now + 60_000).toISOString()}`;
    const api = new FakeContainer(h.forwardPort, { name: 'api', project: 'shop' });
    const web = new FakeContainer(h.forwardPort, { name: 'web', project: 'shop' });
    senders.push(api, web);
    const levels = ['error', 'warn', 'info', 'info', 'debug'];
    await api.send(
      Array.from({ length: 30 }, (_, i) => ({
        log: JSON.stringify({ level: levels[i % levels.length], msg: `request ${i}` }),
        ms: start + 60_000 + i * 70_000,
      })),
    );
    await web.send(
      Array.from({ length: 12 }, (_, i) => ({ log: `GET /page/${i}`, ms: start + i * 190_000 })),
    );
    // A container known only by its id (Docker's syslog driver with its default tag).
    const sec = Math.floor(now / 1000) - 120;
    const records: LogRecord[] = [0, 1, 2].map((i) => ({
      ...newRecord('syslog', sec + i, 0, `anonymous ${i}`),
      containerId: ONLY_ID,
    }));
    await h.collector.writer.submit({ records });
    await h.stored();
  });
  afterAll(async () => {
    for (const s of senders) s.close();
    await browser?.close();
    await h?.close();
  });

  async function apiHistogram(url: string): Promise<Histogram> {
    const u = new URL(url);
    const res = await fetch(`${h.httpUrl}${u.pathname}${u.search}`);
    expect(res.status).toBe(200);
    return (await res.json()) as Histogram;
  }

  /** What the page drew: the legend, and each stack's segments, left to right. */
  async function drawn(page: Page) {
    return page.evaluate(() => ({
      legend: [...document.querySelectorAll<HTMLElement>('#hist .lg')].map((e) => ({
        key: e.dataset.key,
        count: Number(e.dataset.count),
      })),
      stacks: [...document.querySelectorAll('#hist .hist-stack')].map((g) =>
        Object.fromEntries(
          [...g.querySelectorAll('rect')].map((r) => [
            r.getAttribute('data-key'),
            Number(r.getAttribute('data-count')),
          ]),
        ),
      ),
    }));
  }

  function expected(api: Histogram) {
    const keys = api.groups ?? [];
    const totals = keys.map((key) => ({
      key,
      count: api.buckets.reduce((n, b) => n + (b.groups?.[key] ?? 0), 0),
    }));
    return {
      legend: totals.filter((t) => t.count > 0),
      stacks: api.buckets
        .filter((b) => b.count > 0)
        .map((b) => Object.fromEntries(Object.entries(b.groups ?? {}).filter(([, n]) => n > 0))),
    };
  }

  it('stacks the histogram by level, then by container, as the API counts them', async () => {
    const asked: string[] = [];
    const v = await openViewer(browser, h.httpUrl, `?live=0&${range}`, {
      beforeLoad: (p) =>
        p.on('request', (r) => {
          if (r.url().includes('/api/logs/histogram')) asked.push(r.url());
        }),
    });
    const { page } = v;
    await page.waitForSelector('#hist .hist-legend:not(.hidden) .lg');
    const byLevel = asked.find((u) => new URL(u).searchParams.get('by') === 'level')!;
    expect(byLevel).toBeDefined();
    const api = await apiHistogram(byLevel);
    expect(api.groups).toEqual(expect.arrayContaining(['error', 'warning', 'info', 'none']));
    const want = expected(api);
    expect(want.legend.map((l) => l.key)).toEqual(['error', 'warning', 'info', 'debug', 'none']);
    expect(await drawn(page)).toEqual(want);
    expect(want.legend.find((l) => l.key === 'none')?.count).toBe(15);
    await screenshot(page, 'histogram-levels');

    // By container: the page asks again, and draws the new answer.
    await page.click('#hist .lg-by button[data-by="container"]');
    await eventually(() =>
      asked.some((u) => new URL(u).searchParams.get('by') === 'container'),
    ).toBe(true);
    const byContainer = asked.find((u) => new URL(u).searchParams.get('by') === 'container')!;
    const api2 = await apiHistogram(byContainer);
    await eventually(async () => (await drawn(page)).legend.map((l) => l.key)).toEqual(
      expected(api2).legend.map((l) => l.key),
    );
    expect(await drawn(page)).toEqual(expected(api2));
    expect(expected(api2).legend.map((l) => l.key)).toEqual(expect.arrayContaining(['api', 'web']));
    // A legend entry filters like any other value.
    await page.click('#hist .lg[data-key="web"]', { modifiers: ['Shift'] });
    await page.waitForURL((u) => u.searchParams.get('q') === '-container:web');
    expect(v.problems).toEqual([]);
    await v.close();
  });

  it('falls back to plain bars when the API does not split the counts', async () => {
    const v = await openViewer(browser, h.httpUrl, `?live=0&${range}`, {
      beforeLoad: (p) =>
        void p.route('**/api/logs/histogram*', async (route) => {
          const res = await route.fetch();
          const body = (await res.json()) as Histogram;
          delete body.groups;
          for (const b of body.buckets) delete b.groups;
          await route.fulfill({ response: res, json: body });
        }),
    });
    const { page } = v;
    await page.waitForSelector('#hist .hist-bar');
    expect(await page.isHidden('#hist .hist-legend')).toBe(true);
    expect(await page.locator('#hist .hist-seg').count()).toBe(0);
    expect(v.problems).toEqual([]);
    await v.close();
  });

  it('lists a container known only by its id, and Docker states when the API has them', async () => {
    const short = ONLY_ID.slice(0, 12);
    const v = await openViewer(browser, h.httpUrl, '?live=0');
    const { page } = v;
    const anon = page.locator(`#side .ctr.anon[data-name="${short}"]`);
    await anon.waitFor();
    expect(await anon.locator('.name').textContent()).toBe(short);
    // Without the Docker socket: no state, no badge.
    expect(await page.locator('#side .badge').count()).toBe(0);
    await anon.locator('.name').click();
    await page.waitForURL((u) => u.searchParams.get('c') === short);
    await eventually(async () => (await shownRows(page)).map((r) => r.message)).toEqual([
      'anonymous 0',
      'anonymous 1',
      'anonymous 2',
    ]);
    await v.close();

    // The same API answer with states, as the engine's socket would add them.
    const finished = new Date(Date.now() - 3 * 3_600_000).toISOString();
    const asked: string[] = [];
    const v2 = await openViewer(browser, h.httpUrl, '?live=0', {
      beforeLoad: (p) =>
        void p.route('**/api/containers*', async (route) => {
          asked.push(route.request().url());
          const res = await route.fetch();
          const body = (await res.json()) as { containers: Record<string, unknown>[] };
          for (const c of body.containers) {
            if (c.container_name === 'api') Object.assign(c, { state: 'running', restarts: 2 });
            if (c.container_name === 'web')
              Object.assign(c, { state: 'exited', restarts: 0, finished_at: finished });
            if (c.container_name === null)
              Object.assign(c, { state: 'running', restarts: 0, docker_name: 'sleepy_turing' });
          }
          await route.fulfill({ response: res, json: body });
        }),
    });
    const p2 = v2.page;
    await p2.waitForSelector('#side .badge');
    const badges = await p2.$$eval('#side .ctr', (els) =>
      els.map((e) => [
        e.querySelector('.name')?.textContent,
        e.querySelector('.badge')?.textContent ?? null,
        e.querySelector('.badge')?.className ?? null,
      ]),
    );
    expect(badges).toEqual(
      expect.arrayContaining([
        ['api', 'up ↻2', 'badge st-running'],
        ['web', 'exited 3h', 'badge st-exited'],
        ['sleepy_turing', 'up', 'badge st-running'],
      ]),
    );
    // The range is asked for by default; "all" one click away.
    expect(new URL(asked[0]!).searchParams.get('from')).toBe('1h');
    const all = p2.waitForRequest((r) => new URL(r.url()).searchParams.get('all') === '1');
    await p2.click('#side .side-all');
    await all;
    await p2.waitForSelector('#side .side-all[aria-pressed="true"]');
    await screenshot(p2, 'containers-state');
    expect(v2.problems).toEqual([]);
    await v2.close();
  });
});

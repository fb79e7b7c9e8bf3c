/**
 * What the browser tests share: a page on the viewer with its problems recorded
 * (console errors, uncaught exceptions, Content-Security-Policy violations), reads of
 * the rendered rows, lines sent by npm `fluent-logger` (a client we did not write) as
 * Docker's fluentd driver shapes them, and screenshots for docs/screenshots/.
 *
 * Every wait is on a condition in the page, bounded by a generous timeout: the machine
 * has two shared cores, and a fixed sleep is either too short or wasted.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { PACKAGE_ROOT } from '../../../core/paths.js';

/** Bound on every wait for the page: generous, for a loaded 2-core machine. */
export const WAIT_MS = 20_000;

/** `expect.poll` with the page's patience (vitest's default gives up after one second). */
export function eventually<T>(fn: () => T | Promise<T>) {
  return expect.poll(fn, { timeout: WAIT_MS, interval: 50 });
}

/**
 * The README's screenshots are refreshed only when asked (LOGHARBOR_SCREENSHOTS=1 npm
 * test); other runs still take them, into a temporary folder, so a test run leaves the
 * work tree clean.
 */
export const SCREENSHOT_DIR = process.env.LOGHARBOR_SCREENSHOTS
  ? path.join(PACKAGE_ROOT, 'docs', 'screenshots')
  : path.join(tmpdir(), 'logharbor-screenshots');

export interface Viewer {
  context: BrowserContext;
  page: Page;
  /** Console errors, uncaught page errors and CSP violations seen so far. */
  problems: string[];
  close(): Promise<void>;
}

export interface ViewerOptions {
  /** Ignore the page's CSP: shows that escaping alone keeps log text inert. */
  bypassCSP?: boolean;
  /** An existing context (to share local storage across pages); default a fresh one. */
  context?: BrowserContext;
  /** Runs on the new page before it loads the viewer (to watch its first requests). */
  beforeLoad?: (page: Page) => void;
}

/** A context as the screenshots want it: 1280x720 (or `viewport`), UTC, English, dark theme. */
export async function newViewerContext(
  browser: Browser,
  opts: { bypassCSP?: boolean; viewport?: { width: number; height: number } } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: opts.viewport ?? { width: 1280, height: 720 },
    timezoneId: 'UTC',
    locale: 'en-US',
    colorScheme: 'dark',
    bypassCSP: opts.bypassCSP ?? false,
  });
  // Listening before any page script runs: a violation during start-up counts too.
  await context.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
    });
  });
  context.setDefaultTimeout(WAIT_MS);
  return context;
}

/** Opens the viewer at `base` + `search` and records its problems. */
export async function openViewer(
  browser: Browser,
  base: string,
  search = '',
  opts: ViewerOptions = {},
): Promise<Viewer> {
  const own = opts.context === undefined;
  const context = opts.context ?? (await newViewerContext(browser, opts));
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  opts.beforeLoad?.(page);
  await page.goto(base + '/' + search);
  return {
    context,
    page,
    problems,
    async close() {
      await page.close();
      if (own) await context.close();
    },
  };
}

/** CSP violations the page itself saw (securitypolicyviolation events). */
export async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
}

export interface ShownRow {
  id: string;
  message: string;
}

/** The record rows now in the DOM, top to bottom. */
export async function shownRows(page: Page): Promise<ShownRow[]> {
  return page.$$eval('#list .row[data-id]', (els) =>
    els.map((el) => ({
      id: (el as HTMLElement).dataset.id ?? '',
      message: el.querySelector('.msg')?.textContent ?? '',
    })),
  );
}

/**
 * Every record row of the list, top to bottom, read by scrolling the virtual list from
 * top to bottom a screen at a time (only the rows in view exist as elements). Leaves the
 * list scrolled to the bottom.
 */
export async function allRows(page: Page): Promise<ShownRow[]> {
  return page.evaluate(async () => {
    const list = document.getElementById('list')!;
    const frame = (): Promise<void> =>
      new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())));
    const seen = new Map<string, string>();
    const order: string[] = [];
    list.scrollTop = 0;
    for (let guard = 0; guard < 10_000; guard++) {
      await frame();
      for (const el of list.querySelectorAll<HTMLElement>('.row[data-id]')) {
        const id = el.dataset.id!;
        if (!seen.has(id)) order.push(id);
        seen.set(id, el.querySelector('.msg')?.textContent ?? '');
      }
      if (list.scrollTop + list.clientHeight >= list.scrollHeight - 1) break;
      list.scrollTop += Math.max(1, list.clientHeight - 40);
    }
    return order.map((id) => ({ id, message: seen.get(id)! }));
  });
}

/** Waits until a row whose message contains `text` is in the list. */
export async function waitForLine(page: Page, text: string, timeout = WAIT_MS): Promise<void> {
  await page.waitForFunction(
    (t) =>
      [...document.querySelectorAll('#list .row .msg')].some((m) => m.textContent?.includes(t)),
    text,
    { timeout, polling: 50 },
  );
}

/** Waits for the live tail's socket to be open ("Live" in the status line). */
export async function waitLive(page: Page): Promise<void> {
  await page.waitForFunction(
    () => document.getElementById('status-state')?.textContent === 'Live',
    undefined,
    { polling: 50 },
  );
}

/** Saves a PNG of the page (1280x720 unless its context says otherwise) as <SCREENSHOT_DIR>/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

// fluent-logger is CommonJS without types.
const require = createRequire(import.meta.url);
const fluent = require('fluent-logger') as {
  createFluentSender(prefix: string, opts: Record<string, unknown>): Sender;
  EventTime: new (sec: number, nsec: number) => unknown;
};

interface Sender {
  emit(label: string, data: Record<string, unknown>, ts: unknown, cb: (err?: Error) => void): void;
  end(): void;
  on(ev: string, cb: (e: Error) => void): void;
}

export interface Container {
  /** null: a plain fluent-logger client, not a container (its tag names the lines). */
  name: string | null;
  project?: string;
  service?: string;
  /** More fields of the record (labels, env): they land in attrs. */
  extra?: Record<string, string>;
}

export interface Line {
  log: string;
  stream?: 'stdout' | 'stderr';
  /** Event time in ms (default: now). */
  ms?: number;
}

/**
 * A fluent-logger sender posing as Docker's fluentd driver for one container: tag
 * `docker.<label>`, the driver's record shape, Compose labels when a project is given.
 */
export class FakeContainer {
  private readonly sender: Sender;
  private readonly id = randomBytes(32).toString('hex');

  constructor(
    port: number,
    readonly c: Container,
    private readonly label = c.name ?? 'app',
  ) {
    this.sender = fluent.createFluentSender('docker', {
      host: '127.0.0.1',
      port,
      timeout: 5,
      reconnectInterval: 200,
      // Each emit resolves only once the collector acked it: committed to PostgreSQL.
      requireAckResponse: true,
      ackResponseTimeout: 15_000,
    });
    this.sender.on('error', () => undefined);
  }

  /**
   * Sends the lines in order on one connection and resolves once every one is acked
   * (fluent-logger writes the next request only after the previous ack).
   */
  async send(lines: readonly (Line | string)[]): Promise<void> {
    const acks = lines.map((l) => {
      const line = typeof l === 'string' ? { log: l } : l;
      const ms = line.ms ?? Date.now();
      const record: Record<string, unknown> = { ...this.c.extra, log: line.log };
      if (this.c.name !== null) {
        record.container_id = this.id;
        record.container_name = `/${this.c.name}`;
        record.source = line.stream ?? 'stdout';
      }
      if (this.c.project) record['com.docker.compose.project'] = this.c.project;
      if (this.c.service) record['com.docker.compose.service'] = this.c.service;
      const time = new fluent.EventTime(Math.floor(ms / 1000), (ms % 1000) * 1_000_000);
      return new Promise<void>((resolve, reject) =>
        this.sender.emit(this.label, record, time, (err) => (err ? reject(err) : resolve())),
      );
    });
    await Promise.all(acks);
  }

  close(): void {
    this.sender.end();
  }
}

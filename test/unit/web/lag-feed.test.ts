/**
 * The store banner's feed (issue 16): what the banner says for one or many lagging
 * collectors, how often it asks (never faster while nothing lags, backing off after
 * failures), and that a refused token prompts nothing and shows no banner.
 */
import { describe, expect, it } from 'vitest';
import { lagSentence } from '../../../core/collector-status.js';
import { ApiClient } from '../../../web/src/api.js';
import {
  BANNER_LINES,
  LAG_BUSY_MS,
  LAG_FAILED_MAX_MS,
  LAG_IDLE_MS,
  LagFeed,
  NO_LAG,
  storeLag,
  type StoreLag,
} from '../../../web/src/lag-feed.js';
import type { Clock } from '../../../web/src/tail-stream.js';
import { parseSources, type CollectorHealth } from '../../../web/src/wire.js';
import { COLLECTOR } from './collectors.js';

const NOW = Date.parse('2026-11-28T06:00:42.000Z');

/** A collector as the page parses it, its `lag` written by the server's own lagSentence. */
function collector(over: Partial<typeof COLLECTOR> = {}): CollectorHealth {
  const s = { ...COLLECTOR, ...over };
  const wire = { listeners: [], collectors: [{ ...s, lag: lagSentence(s, NOW) }] };
  return parseSources(wire)!.collectors[0]!;
}

const keepsUp = { postgres_down_since: null, postgres_error: null, oldest_waiting_s: 0 };

describe('storeLag: what the banner says', () => {
  it('nothing while every collector keeps up', () => {
    expect(storeLag([])).toEqual(NO_LAG);
    expect(storeLag([collector(keepsUp), collector({ ...keepsUp, spool_id: 'b' })])).toEqual(
      NO_LAG,
    );
  });

  it("one collector: its own sentence, PostgreSQL's state apart", () => {
    expect(storeLag([collector()])).toEqual({
      lines: ['PostgreSQL unreachable for 42 s, 1.2 GB waiting in the spool'],
      postgresDown: true,
      full: false,
    });
    expect(storeLag([collector({ ...keepsUp, oldest_waiting_s: 12 })])).toEqual({
      lines: ['Storing lags by 12 s (310 requests, 1.2 GB waiting in the spool)'],
      postgresDown: false,
      full: false,
    });
  });

  it('several: worst first (full, then PostgreSQL away, then slow), each named by its host', () => {
    const lag = storeLag([
      collector({ ...keepsUp, host: 'ok' }),
      collector({ ...keepsUp, host: 'slow', oldest_waiting_s: 9 }),
      collector({ host: 'down' }),
      collector({ host: 'full', full: true, full_reason: 'disk' }),
    ]);
    expect(lag.lines).toEqual([
      'full: Spool full (disk): senders are paused or refused; 1.2 GB waiting in the spool',
      'down: PostgreSQL unreachable for 42 s, 1.2 GB waiting in the spool',
      'slow: Storing lags by 9 s (310 requests, 1.2 GB waiting in the spool)',
    ]);
    expect(lag).toMatchObject({ postgresDown: true, full: true });
  });

  it(`past ${BANNER_LINES} lagging collectors, the rest counted on one line`, () => {
    const many = Array.from({ length: BANNER_LINES + 2 }, (_, i) => collector({ host: `h${i}` }));
    const { lines } = storeLag(many);
    expect(lines).toHaveLength(BANNER_LINES + 1);
    expect(lines.at(-1)).toBe('and 2 more collectors (see Health)');
    expect(storeLag(many.slice(0, BANNER_LINES + 1)).lines.at(-1)).toBe(
      'and 1 more collector (see Health)',
    );
  });
});

class FakeClock implements Clock {
  t = NOW;
  private seq = 0;
  readonly timers = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): number {
    this.timers.set(++this.seq, { at: this.t + ms, fn });
    return this.seq;
  }
  clearTimeout(h: number): void {
    this.timers.delete(h);
  }
  /** The delay of the one pending timer (the feed keeps exactly one). */
  get next(): number {
    expect(this.timers.size).toBe(1);
    return [...this.timers.values()][0]!.at - this.t;
  }
  /** Runs the pending timer and lets the request it starts finish. */
  async fire(): Promise<void> {
    const ms = this.next;
    const [id, timer] = [...this.timers.entries()][0]!;
    this.timers.delete(id);
    this.t += ms;
    timer.fn();
    await settle();
  }
}

const settle = () => new Promise((r) => setTimeout(r, 0));

type Answer = { status: number; body: unknown } | 'network';

function feed(answers: Answer[]) {
  const clock = new FakeClock();
  const changes: StoreLag[] = [];
  const prompts: string[] = [];
  const urls: string[] = [];
  const api = new ApiClient({
    fetch: async (input) => {
      urls.push(String(input));
      const a = answers.shift() ?? { status: 200, body: { listeners: [], collectors: [] } };
      if (a === 'network') throw new TypeError('Failed to fetch');
      return new Response(JSON.stringify(a.body), { status: a.status });
    },
    tokens: { get: () => null, set: () => undefined },
    askToken: async (reason) => {
      prompts.push(reason);
      return 'a-token';
    },
  });
  const f = new LagFeed(api, clock, (lag) => changes.push(lag));
  return { f, clock, changes, prompts, urls };
}

const sources = (...c: (typeof COLLECTOR)[]) => ({
  status: 200,
  body: { listeners: [], collectors: c.map((x) => ({ ...x, lag: lagSentence(x, NOW) })) },
});
const refused = {
  status: 401,
  body: { error: { code: 'LH_UNAUTHORIZED', message: 'missing or wrong API token' } },
};

describe('LagFeed', () => {
  it(`asks every ${LAG_IDLE_MS / 1000} s while nothing lags, every ${LAG_BUSY_MS / 1000} s while something does`, async () => {
    const { f, clock, changes, urls } = feed([
      sources({ ...COLLECTOR, ...keepsUp }),
      sources({ ...COLLECTOR, ...keepsUp }),
      sources(COLLECTOR),
      sources(COLLECTOR),
      sources({ ...COLLECTOR, ...keepsUp }),
    ]);
    f.start();
    await settle();
    expect(urls).toEqual(['/api/sources']);
    expect(changes).toEqual([]);
    expect(clock.next).toBe(LAG_IDLE_MS);
    await clock.fire();
    expect(clock.next).toBe(LAG_IDLE_MS);
    await clock.fire();
    expect(changes.map((c) => c.postgresDown)).toEqual([true]);
    expect(f.lag.lines).toEqual(['PostgreSQL unreachable for 42 s, 1.2 GB waiting in the spool']);
    expect(clock.next).toBe(LAG_BUSY_MS);
    // The same sentence again: no repaint.
    await clock.fire();
    expect(changes).toHaveLength(1);
    expect(clock.next).toBe(LAG_BUSY_MS);
    await clock.fire();
    expect(changes.at(-1)).toEqual(NO_LAG);
    expect(clock.next).toBe(LAG_IDLE_MS);
    expect(urls).toHaveLength(5);
  });

  it('a refused token prompts nothing and shows no banner; failures ask less often, up to once a minute', async () => {
    const { f, clock, changes, prompts } = feed([
      sources(COLLECTOR),
      refused,
      'network',
      { status: 502, body: 'bad gateway' },
      { status: 200, body: { nope: true } },
      'network',
      sources(COLLECTOR),
    ]);
    f.start();
    await settle();
    expect(f.lag.postgresDown).toBe(true);
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      await clock.fire();
      expect(f.lag).toEqual(NO_LAG);
      delays.push(clock.next);
    }
    expect(delays).toEqual([
      LAG_IDLE_MS,
      2 * LAG_IDLE_MS,
      4 * LAG_IDLE_MS,
      LAG_FAILED_MAX_MS,
      LAG_FAILED_MAX_MS,
    ]);
    expect(prompts).toEqual([]);
    // Two changes only: the banner, then none; the failures after the first repaint nothing.
    expect(changes.map((c) => c.lines.length)).toEqual([1, 0]);
    await clock.fire();
    expect(f.lag.postgresDown).toBe(true);
    expect(clock.next).toBe(LAG_BUSY_MS);
  });

  it("the health panel's answer updates the banner at once; stop() ends the polling", async () => {
    const { f, clock, changes } = feed([sources({ ...COLLECTOR, ...keepsUp })]);
    f.start();
    await settle();
    f.seen(parseSources(sources(COLLECTOR).body)!);
    expect(changes.map((c) => c.postgresDown)).toEqual([true]);
    f.stop();
    expect(clock.timers.size).toBe(0);
  });
});

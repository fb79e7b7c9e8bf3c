/**
 * The page's alerts badge (web/src/alerts-feed.ts) with a fake client and a hand-driven
 * clock: a first visit counts the history as seen, new notifications are counted until the
 * panel marks them seen (kept in storage, so a reload does not count them again), a
 * failing poll backs off and never asks for a token.
 */
import { describe, expect, it } from 'vitest';
import type { AlertsClient } from '../../../web/src/alerts-api.js';
import { ALERTS_POLL_MS, ALERTS_SEEN_KEY, AlertsFeed } from '../../../web/src/alerts-feed.js';
import type { NotificationView } from '../../../core/alerts/wire.js';

function note(id: string, kind: NotificationView['kind'] = 'firing'): NotificationView {
  return {
    id,
    alert_id: '1',
    alert_name: 'a',
    kind,
    created_at: '2030-01-01T00:00:00.000Z',
    text: 't',
    count: 1,
    samples: [],
    deliveries: [],
  };
}

function setup(stored: string | null = null) {
  let notes: NotificationView[] = [note('3', 'resolved'), note('2')];
  let failing = false;
  const asks: boolean[] = [];
  const client = {
    async notifications(p: { after?: string | null; limit: number }, o: { ask?: boolean }) {
      asks.push(o.ask ?? true);
      if (failing) throw new Error('down');
      return notes
        .filter((n) => p.after == null || Number(n.id) > Number(p.after))
        .slice(0, p.limit);
    },
  } as unknown as AlertsClient;
  const timers: { fn: () => void; ms: number }[] = [];
  const clock = {
    now: () => 0,
    setTimeout: (fn: () => void, ms: number) => timers.push({ fn, ms }),
    clearTimeout: () => undefined,
  };
  const store = new Map<string, string>(stored === null ? [] : [[ALERTS_SEEN_KEY, stored]]);
  const storage = {
    getItem: (k: string) => store.get(k) ?? null,
    setItem: (k: string, v: string) => void store.set(k, v),
  };
  const counts: [number, boolean][] = [];
  const feed = new AlertsFeed(client, clock, storage, (n, f) => counts.push([n, f]));
  /** Runs the poll the feed scheduled last, and waits for it. */
  const next = async () => {
    timers.pop()!.fn();
    await new Promise((r) => setTimeout(r, 0));
  };
  return {
    feed,
    counts,
    timers,
    store,
    asks,
    next,
    add: (...n: NotificationView[]) => (notes = [...n, ...notes]),
    fail: (f: boolean) => (failing = f),
  };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('alerts badge', () => {
  it('counts what came after the first visit, until seen', async () => {
    const s = setup();
    s.feed.start();
    await settle();
    expect(s.store.get(ALERTS_SEEN_KEY)).toBe('3');
    expect(s.counts.at(-1)).toEqual([0, false]);
    s.add(note('4', 'test'));
    await s.next();
    expect(s.counts.at(-1)).toEqual([1, false]);
    s.add(note('5'));
    await s.next();
    expect(s.counts.at(-1)).toEqual([2, true]);
    expect(s.timers.at(-1)!.ms).toBe(ALERTS_POLL_MS);
    s.feed.markSeen();
    expect(s.counts.at(-1)).toEqual([0, false]);
    expect(s.store.get(ALERTS_SEEN_KEY)).toBe('5');
    await s.next();
    expect(s.counts.at(-1)).toEqual([0, false]);
    expect(s.asks.every((a) => a === false)).toBe(true);
  });

  it('starts from what this browser saw last, and backs off while polls fail', async () => {
    const s = setup('2');
    s.feed.start();
    await settle();
    expect(s.counts.at(-1)).toEqual([1, false]);
    s.fail(true);
    await s.next();
    expect(s.timers.at(-1)!.ms).toBe(ALERTS_POLL_MS * 2);
    await s.next();
    expect(s.timers.at(-1)!.ms).toBe(ALERTS_POLL_MS * 4);
    s.fail(false);
    await s.next();
    expect(s.timers.at(-1)!.ms).toBe(ALERTS_POLL_MS);
  });
});

/**
 * The hub: fan-out after publish (never inside it), in order, in slices that yield to the
 * event loop, one predicate per distinct query, a bounded queue whose overflow every
 * subscriber hears about, and a failing predicate that ends only its own subscriptions.
 */
import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../../api/query/index.js';
import { TailHub } from '../../../api/tail/hub.js';
import { TAIL_LIMITS } from '../../../api/tail/limits.js';
import { Recorder, committed, range, settle } from './fakes.js';

const hubWith = (limits: Partial<typeof TAIL_LIMITS> = {}) =>
  new TailHub({ ...TAIL_LIMITS, ...limits });

describe('TailHub', () => {
  it('delivers matching records in commit order, after publish returns', async () => {
    const hub = new TailHub();
    const even = new Recorder();
    const all = new Recorder();
    hub.subscribe(parseQuery('m2 OR m4 OR m6'), even);
    hub.subscribe(parseQuery(''), all);
    const first = committed(range(1, 4));
    hub.publish(first);
    hub.publish(committed(range(5, 7)));
    expect(all.batches).toHaveLength(0);
    await settle();
    expect(all.ids()).toEqual(range(1, 7));
    expect(even.ids()).toEqual([2, 4, 6]);
    const e = all.batches[0]![0]!;
    expect(e.json).toBe(JSON.stringify(first[0]));
  });

  it('shares one entry (and its JSON) between clients of the same query', async () => {
    const hub = new TailHub();
    const a = new Recorder();
    const b = new Recorder();
    hub.subscribe(parseQuery('m1'), a);
    hub.subscribe(parseQuery('m1'), b);
    hub.publish(committed([1]));
    await settle();
    expect(a.batches[0]).toBe(b.batches[0]);
  });

  it('fans out a large commit in slices, one per event-loop turn', async () => {
    const hub = hubWith({ hubSliceRecords: 3 });
    const r = new Recorder();
    hub.subscribe(parseQuery(''), r);
    hub.publish(committed(range(1, 10)));
    await new Promise((res) => setImmediate(res));
    expect(r.ids()).toEqual([1, 2, 3]);
    await settle();
    expect(r.batches.map((b) => b.length)).toEqual([3, 3, 3, 1]);
    expect(r.ids()).toEqual(range(1, 10));
  });

  it('past its queue bound, skips a commit and tells its subscribers how many went by, in place', async () => {
    const hub = hubWith({ hubQueueRecords: 5 });
    const r = new Recorder();
    const order: string[] = [];
    r.deliver = (entries) => void order.push(`records ${entries.map((e) => e.id).join(',')}`);
    r.missed = (n) => void order.push(`missed ${n}`);
    hub.subscribe(parseQuery(''), r);
    hub.publish(committed(range(1, 4)));
    hub.publish(committed(range(5, 8))); // over the bound: skipped
    hub.publish(committed([9])); // fits: the first batch still waits
    hub.publish(committed(range(10, 11))); // over again
    const late = new Recorder();
    hub.subscribe(parseQuery(''), late); // joins after those skips
    hub.publish(committed(range(12, 20))); // skipped, and late was there
    expect(order).toEqual([]);
    await settle();
    expect(order).toEqual(['records 1,2,3,4', 'missed 4', 'records 9', 'missed 2', 'missed 9']);
    expect(late.missedCount).toBe(9);
    expect(late.ids()).toEqual([1, 2, 3, 4, 9]);
  });

  it('does no work for commits nobody listens to', async () => {
    const hub = hubWith({ hubQueueRecords: 1 });
    hub.publish(committed(range(1, 100)));
    const r = new Recorder();
    hub.subscribe(parseQuery(''), r);
    await settle();
    expect(r.ids()).toEqual([]);
    expect(r.missedCount).toBe(0);
  });

  it('counts clients; unsubscribing twice is harmless', () => {
    const hub = new TailHub();
    const off = hub.subscribe(parseQuery('a'), new Recorder());
    const off2 = hub.subscribe(parseQuery('a'), new Recorder());
    expect(hub.clients).toBe(2);
    off();
    off();
    expect(hub.clients).toBe(1);
    off2();
    expect(hub.clients).toBe(0);
  });

  it('ends the subscriptions of a query whose regex runs away, and only those', async () => {
    const hub = new TailHub();
    const bad = new Recorder();
    const bad2 = new Recorder();
    const good = new Recorder();
    const explode = parseQuery('/[ab]*a[ab]{99}c/');
    hub.subscribe(explode, bad);
    const off = hub.subscribe(explode, bad2);
    hub.subscribe(parseQuery(''), good);
    let x = 0x2545f491;
    const noise = Array.from({ length: 400_000 }, () =>
      (x = (x * 1103515245 + 12345) & 0x7fffffff) & 0x10000 ? 'a' : 'b',
    ).join('');
    hub.publish(committed([1], () => `${noise}c`));
    hub.publish(committed([2]));
    await settle();
    expect(bad.error?.code).toBe('LH_QUERY_TIMEOUT');
    expect(bad2.error?.code).toBe('LH_QUERY_TIMEOUT');
    expect(good.ids()).toEqual([1, 2]);
    expect(hub.clients).toBe(1);
    off();
    expect(hub.clients).toBe(1);
  });
});

/**
 * Flow control through real sockets: a client that stops reading is told how many records
 * it missed while a fast client gets every record and ingestion goes on; pause and resume
 * hold records up to the queue's bound and report the rest as dropped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRecord, type LogRecord } from '../../../core/record.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { openTail, type TailClient } from './tail-client.js';

const QUEUE = 200;
const T = 1_764_300_000;
const batch = (prefix: string, n: number, extra: Partial<LogRecord> = {}) =>
  Array.from({ length: n }, (_, i) => ({
    ...newRecord('forward', T + i, 0, `${prefix} ${i}`),
    ...extra,
  }));

function ascending(ids: number[]): boolean {
  return ids.every((id, i) => i === 0 || id > ids[i - 1]!);
}

describe('live tail flow control', () => {
  let h: Harness;
  const open: TailClient[] = [];
  const tail = async (q: string) => {
    const c = await openTail(h.httpUrl, { q });
    open.push(c);
    return c;
  };
  /** Round trip: a message the server answers with an error proves it read what came before. */
  const barrier = async (c: TailClient) => {
    const n = c.messages.length;
    c.ws.send('{"type":"barrier"}');
    await c.waitFor(
      () => c.messages.slice(n).some((m) => m.type === 'error' && m.code === 'LH_BAD_REQUEST'),
      'the barrier',
    );
  };

  beforeAll(async () => {
    h = await startHarness({}, undefined, {
      tail: { maxQueueRecords: QUEUE, highWaterBytes: 64 * 1024 },
    });
  });
  afterAll(async () => {
    for (const c of open) await c.close();
    await h.close();
  });

  it('tells a client that stops reading how many it missed; a fast client gets everything', async () => {
    const slow = await tail('app:flow');
    const fast = await tail('app:flow');
    slow.tcp.pause();
    const pad = 'x'.repeat(8000);
    const N = 2000;
    // Every submit resolves (is committed) while the slow client reads nothing.
    for (let i = 0; i < N / 100; i++) {
      await h.collector.writer.submit({ records: batch(`flow${i} ${pad}`, 100, { app: 'flow' }) });
    }
    await fast.waitFor(() => fast.records().length === N, 'every record on the fast client');
    expect(fast.dropped()).toBe(0);
    expect(ascending(fast.ids())).toBe(true);

    slow.tcp.resume();
    await slow.waitFor(
      () => slow.records().length + slow.dropped() === N,
      'the slow client to settle',
    );
    const got = slow.records().length;
    expect(got).toBeLessThan(N);
    expect(slow.dropped()).toBe(N - got);
    // One gap, reported where it is: records before the notice precede every record after it.
    const notice = slow.messages.findIndex((m) => m.type === 'dropped');
    const before = slow.messages
      .slice(0, notice)
      .flatMap((m) => (m.type === 'records' ? m.records : []));
    expect(ascending(slow.ids())).toBe(true);
    expect(slow.ids()).toEqual(fast.ids().filter((id) => slow.ids().includes(id)));
    // The missed records are exactly those between the last one before the notice and the first after.
    const lastBefore = Number(before[before.length - 1]!.id);
    const missed = fast.ids().filter((id) => !slow.ids().includes(id));
    expect(missed.every((id) => id > lastBefore)).toBe(true);
  });

  /**
   * A client of the same query that keeps reading: once it has `n` records, the hub has
   * handed them to every client of the query (one fan-out), the paused one included. A
   * commit is published by the feed after submit resolves, so the barrier alone does not
   * show that the paused client was offered anything.
   */
  const delivered = (witness: TailClient, n: number) =>
    witness.waitFor(() => witness.records().length === n, `${n} records on a reading client`);

  it('holds records while paused and sends them on resume', async () => {
    const c = await tail('app:pause');
    const witness = await tail('app:pause');
    c.ws.send('{"type":"pause"}');
    await barrier(c);
    await h.collector.writer.submit({ records: batch('held', 30, { app: 'pause' }) });
    await delivered(witness, 30);
    await barrier(c);
    expect(c.records()).toHaveLength(0);
    c.ws.send('{"type":"resume"}');
    await c.waitFor(() => c.records().length === 30, 'the held records');
    expect(c.dropped()).toBe(0);
  });

  it('past the bound while paused, counts the rest and says so on resume', async () => {
    const c = await tail('app:overflow');
    const witness = await tail('app:overflow');
    c.ws.send('{"type":"pause"}');
    await barrier(c);
    await h.collector.writer.submit({ records: batch('over', QUEUE + 50, { app: 'overflow' }) });
    await delivered(witness, QUEUE + 50);
    await barrier(c);
    expect(c.records()).toHaveLength(0);
    c.ws.send('{"type":"resume"}');
    await c.waitFor(() => c.dropped() > 0, 'the dropped notice');
    expect(c.dropped()).toBe(50);
    // The oldest are kept, the newest dropped: the client resumes from its last id.
    expect(c.records().map((r) => r.message)).toEqual(
      Array.from({ length: QUEUE }, (_, i) => `over ${i}`),
    );
    await h.collector.writer.submit({ records: batch('after', 3, { app: 'overflow' }) });
    await c.waitFor(() => c.records().length === QUEUE + 3, 'records after the gap');
    expect(c.messages.at(-2)).toEqual({ type: 'dropped', count: 50 });
  });
});

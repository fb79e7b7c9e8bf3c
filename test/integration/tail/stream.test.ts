/**
 * The live tail through real sockets on a real PostgreSQL: order, backlog then live,
 * resume with `after` across reconnects while ingest continues (no gap, no duplicate),
 * the backlog's bound, query errors, auth and the client limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRecord, type LogRecord } from '../../../core/record.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { openTail, type TailClient } from './tail-client.js';
import { storedRows } from '../../../dev/stored-rows.js';

const T = 1_764_300_000;
let seq = 0;
const rec = (message: string, extra: Partial<LogRecord> = {}): LogRecord => ({
  ...newRecord('forward', T + seq++, 0, message),
  ...extra,
});
/** Polls a server-side condition (the server sees a close after the client does). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
}
const batch = (prefix: string, n: number, extra: Partial<LogRecord> = {}) =>
  Array.from({ length: n }, (_, i) => rec(`${prefix} ${i}`, extra));

describe('live tail', () => {
  let h: Harness;
  const open: TailClient[] = [];
  const tail = async (
    ...args: Parameters<typeof openTail> extends [string, ...infer R] ? R : never
  ) => {
    const c = await openTail(h.httpUrl, ...args);
    open.push(c);
    return c;
  };
  /** Ids of stored rows whose message starts with `prefix`, ascending. */
  const storedIds = async (prefix: string) =>
    (
      await h.pool.query<{ id: string }>(
        `SELECT id::text FROM ${await storedRows(h.pool)} WHERE message LIKE $1 ORDER BY id`,
        [`${prefix} %`],
      )
    ).rows.map((r) => Number(r.id));
  const maxId = async () =>
    Number(
      (
        await h.pool.query<{ m: string }>(
          `SELECT coalesce(max(id), 0)::text AS m FROM ${await storedRows(h.pool)}`,
        )
      ).rows[0]!.m,
    );

  beforeAll(async () => {
    h = await startHarness({}, undefined, {
      tail: { maxClients: 8, maxQueueRecords: 1000, maxQueueChars: 256 * 1024, shortBacklog: 5 },
    });
  });
  afterAll(async () => {
    for (const c of open) await c.close();
    await h.close();
  });

  it('sends a short backlog, then live records in commit order', async () => {
    await h.collector.writer.submit({ records: batch('early', 3, { containerName: 'order' }) });
    const c = await tail({ q: 'container:order' });
    await c.waitFor(() => c.records().length === 3, 'the backlog');
    for (let i = 0; i < 5; i++) {
      await h.collector.writer.submit({
        records: batch(`live${i}`, 4, { containerName: 'order' }),
      });
    }
    await h.collector.writer.submit({ records: batch('other', 4, { containerName: 'elsewhere' }) });
    await c.waitFor(() => c.records().length === 23, 'the live records');
    const msgs = c.records().map((r) => r.message);
    expect(msgs.slice(0, 3)).toEqual(['early 0', 'early 1', 'early 2']);
    expect(msgs.slice(3, 7)).toEqual(['live0 0', 'live0 1', 'live0 2', 'live0 3']);
    expect(msgs.slice(-4)).toEqual(['live4 0', 'live4 1', 'live4 2', 'live4 3']);
    const ids = c.ids();
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(c.records().every((r) => r.container_name === 'order')).toBe(true);
    expect((await h.telemetry.tailClients.get()).values[0]!.value).toBe(1);
  });

  it('resumes with after= across reconnects while ingest continues: no gap, no duplicate', async () => {
    const start = await maxId();
    let stop = false;
    let submitted = 0;
    let ingesting = true;
    const ingest = (async () => {
      for (let i = 0; !stop && i < 400; i++) {
        await h.collector.writer.submit({ records: batch(`resume${i}`, 5, { app: 'resume' }) });
        submitted += 5;
      }
      ingesting = false;
    })();
    const seen: number[] = [];
    let after = start;
    for (let round = 0; round < 4; round++) {
      const c = await tail({ q: 'app:resume', after });
      const want = seen.length + 1 + round * 20;
      await c.waitFor(() => seen.length + c.records().length >= want, `round ${round}`);
      await c.close();
      seen.push(...c.ids());
      after = seen[seen.length - 1]!;
    }
    expect(ingesting).toBe(true); // every reconnect happened mid-ingest
    stop = true;
    await ingest;
    const c = await tail({ q: 'app:resume', after });
    await c.waitFor(() => seen.length + c.records().length === submitted, 'the rest');
    seen.push(...c.ids());
    const stored = await storedIds('resume%');
    expect(stored.length).toBe(submitted);
    expect(seen).toEqual(stored);
    expect(c.dropped()).toBe(0);
  });

  it('without a cursor, sends the newest few by event time, in id order', async () => {
    // Arrival order (ids) and event time disagree: the backlog picks by time, sends by id.
    const times = [50, 10, 70, 20, 60, 30, 80, 40];
    await h.collector.writer.submit({
      records: times.map((t) => ({
        ...newRecord('syslog', T + 10_000 + t, 0, `short ${t}`),
        app: 'short',
      })),
    });
    await h.tailCaughtUp();
    const c = await tail({ q: 'app:short' });
    await c.waitFor(() => c.records().length === 5, 'the short backlog');
    expect(c.records().map((r) => r.message)).toEqual([
      'short 50',
      'short 70',
      'short 60',
      'short 80',
      'short 40',
    ]);
  });

  it('bounds the resume backlog: the newest window, and the count of the older ones', async () => {
    const start = await maxId();
    await h.collector.writer.submit({ records: batch('bulk', 1200, { app: 'bulk' }) });
    await h.tailCaughtUp(); // so the records are behind the cursor's window, not live
    const c = await tail({ q: 'app:bulk', after: start });
    await c.waitFor(() => c.records().length === 1000, 'the window');
    expect(c.messages[0]).toEqual({ type: 'dropped', count: 200 });
    expect(c.records().map((r) => r.message)).toEqual(
      Array.from({ length: 1000 }, (_, i) => `bulk ${200 + i}`),
    );
  });

  it('bounds the resume backlog by size too', async () => {
    const start = await maxId();
    const big = 'y'.repeat(100_000);
    await h.collector.writer.submit({ records: batch(`big ${big}`, 3, { app: 'big' }) });
    await h.tailCaughtUp();
    const c = await tail({ q: 'app:big', after: start });
    await c.waitFor(() => c.records().length === 2, 'the window');
    expect(c.messages[0]).toEqual({ type: 'dropped', count: 1 });
    expect(c.records().map((r) => r.message.slice(-3))).toEqual(
      [' 1', ' 2'].map((x) => x.padStart(3, 'y')),
    );
  });

  it('answers a bad query with its column, then closes', async () => {
    const c = await tail({ q: 'level:loud' });
    const { code } = await c.closed;
    expect(code).toBe(1008);
    expect(c.messages).toEqual([
      expect.objectContaining({ type: 'error', code: 'LH_QUERY_SYNTAX', column: 7 }),
    ]);
    const bad = await tail({ after: '-3' });
    await bad.closed;
    expect(bad.messages[0]).toMatchObject({ type: 'error', code: 'LH_BAD_REQUEST' });
  });

  it('refuses clients past the limit with a clear error, and counts them', async () => {
    for (const c of open.splice(0)) await c.close();
    const many = await Promise.all(
      Array.from({ length: 8 }, () => tail({ q: 'nothing-matches-this' })),
    );
    const extra = await tail({ q: 'nothing-matches-this' });
    expect((await extra.closed).code).toBe(1013);
    expect(extra.messages[0]).toMatchObject({ type: 'error', code: 'LH_CONNECTION_LIMIT' });
    expect(h.hub.clients).toBe(8);
    expect((await h.telemetry.tailClients.get()).values[0]!.value).toBe(8);
    await many[0]!.close();
    await until(() => h.hub.clients === 7);
    const again = await tail({ q: 'nothing-matches-this' });
    expect(again.ws.readyState).toBe(again.ws.OPEN);
  });
});

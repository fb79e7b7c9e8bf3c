/**
 * One tail session against a fake socket and a backlog the test controls: the backlog to
 * live handoff (no gap, no duplicate), the resume cursor, the bounded queue and its
 * dropped notice, the high-water mark, pause/resume, hub overflow, query failure,
 * backlog errors, client messages and pings.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseQuery } from '../../../api/query/index.js';
import type { Backlog } from '../../../api/tail/backlog.js';
import { TailHub } from '../../../api/tail/hub.js';
import { TAIL_LIMITS, type TailLimits } from '../../../api/tail/limits.js';
import { TailSession } from '../../../api/tail/session.js';
import { FakeSocket, committed, range, settle } from './fakes.js';

function backlogOf(ids: number[], skipped = 0): Backlog {
  return { records: committed(ids), skipped };
}

interface Setup {
  hub: TailHub;
  socket: FakeSocket;
  session: TailSession;
  ended: () => number;
  /** Resolves the backlog read the session is waiting on. */
  release: (b: Backlog | Error) => void;
  started: Promise<void>;
}

function setup(o: { q?: string; after?: number | null; limits?: Partial<TailLimits> } = {}): Setup {
  const hub = new TailHub({ ...TAIL_LIMITS, ...o.limits });
  const socket = new FakeSocket();
  let release!: (b: Backlog | Error) => void;
  const backlog = new Promise<Backlog>((resolve, reject) => {
    release = (b) => (b instanceof Error ? reject(b) : resolve(b));
  });
  let ends = 0;
  const session = new TailSession(socket, {
    hub,
    query: parseQuery(o.q ?? ''),
    after: o.after ?? null,
    readBacklog: () => backlog,
    log: { error: () => undefined },
    onEnd: () => ends++,
  });
  const started = session.start();
  return { hub, socket, session, ended: () => ends, release, started };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('TailSession', () => {
  it('hands over from backlog to live with no gap and no duplicate', async () => {
    const s = setup();
    // Commits that land while the backlog is read: some of them the backlog also holds.
    s.hub.publish(committed([5, 6]));
    await settle();
    s.hub.publish(committed([7]));
    await settle();
    expect(s.socket.sent).toEqual([]);
    s.release(backlogOf([3, 4, 5, 6]));
    await s.started;
    s.hub.publish(committed([8, 9]));
    await settle();
    expect(s.socket.ids()).toEqual(range(3, 9));
    s.session.onClose();
  });

  it('resumes after the cursor: nothing at or below it is sent', async () => {
    const s = setup({ after: 10 });
    s.hub.publish(committed([9, 10, 11]));
    await settle();
    s.release(backlogOf([]));
    await s.started;
    await settle();
    expect(s.socket.ids()).toEqual([11]);
    s.session.onClose();
  });

  it('reports backlog matches older than its window first, then the window', async () => {
    const s = setup({ after: 0 });
    s.release(backlogOf([8, 9], 7));
    await s.started;
    await settle();
    expect(s.socket.messages()[0]).toEqual({ type: 'dropped', count: 7 });
    expect(s.socket.ids()).toEqual([8, 9]);
    s.session.onClose();
  });

  it('counts live records past the pending bound while the backlog is read, but not those the backlog carried', async () => {
    const s = setup({ limits: { maxQueueRecords: 3 } });
    s.hub.publish(committed(range(1, 6)));
    await settle();
    // Pending keeps 1-3; 4-6 overflow. The backlog carries 4, so only 5 and 6 are missed.
    s.release(backlogOf([1, 2, 3, 4]));
    await s.started;
    await settle();
    expect(s.socket.ids()).toEqual([1, 2, 3, 4]);
    expect(s.socket.messages().at(-1)).toEqual({ type: 'dropped', count: 2 });
    s.session.onClose();
  });

  it('holds a slow socket to its high-water mark and its queue bound, then says what it dropped', async () => {
    const s = setup({
      limits: { maxQueueRecords: 5, highWaterBytes: 1, maxMessageRecords: 2 },
    });
    s.socket.slow = true;
    s.release(backlogOf([]));
    await s.started;
    s.hub.publish(committed([1, 2]));
    await settle();
    expect(s.socket.ids()).toEqual([1, 2]); // one message, then the buffer is over the mark
    s.hub.publish(committed(range(3, 12)));
    await settle();
    expect(s.socket.ids()).toEqual([1, 2]); // 3-7 queued, 8-12 dropped
    s.socket.drain();
    await settle();
    s.socket.drain();
    await settle();
    s.socket.drain();
    await settle();
    s.socket.drain();
    await settle();
    expect(s.socket.ids()).toEqual(range(1, 7));
    expect(s.socket.messages().at(-1)).toEqual({ type: 'dropped', count: 5 });
    // After the notice, records flow again.
    s.socket.slow = false;
    s.socket.drain();
    s.hub.publish(committed([13]));
    await settle();
    expect(s.socket.ids()).toEqual([...range(1, 7), 13]);
    s.session.onClose();
  });

  it('splits messages by record count and by size (but always sends at least one record)', async () => {
    const s = setup({ limits: { maxMessageRecords: 3, maxMessageChars: 600 } });
    s.release(backlogOf([]));
    await s.started;
    s.hub.publish(committed(range(1, 7)));
    s.hub.publish(committed([8], () => 'x'.repeat(1000)));
    await settle();
    const sizes = s.socket.messages().map((m) => (m.type === 'records' ? m.records.length : 0));
    expect(sizes).toEqual([2, 2, 2, 1, 1]);
    expect(s.socket.ids()).toEqual(range(1, 8));
    s.session.onClose();
  });

  it('sends clients of one query the same encoded messages; a client with a queue gets its own', async () => {
    const hub = new TailHub({ ...TAIL_LIMITS, maxMessageRecords: 3 });
    const open = (backlog: number[]) => {
      const socket = new FakeSocket();
      const session = new TailSession(socket, {
        hub,
        query: parseQuery('m'),
        after: null,
        readBacklog: () => Promise.resolve(backlogOf(backlog)),
        log: { error: () => undefined },
        onEnd: () => undefined,
      });
      return { socket, session, started: session.start() };
    };
    const a = open([]);
    const b = open([]);
    await Promise.all([a.started, b.started]);
    const slow = open([]);
    await slow.started;
    slow.socket.slow = true;
    slow.socket.bufferedAmount = TAIL_LIMITS.highWaterBytes; // its socket is full
    hub.publish(committed(range(1, 7)));
    await settle();
    expect(a.socket.ids()).toEqual(range(1, 7));
    expect(b.socket.sent).toEqual(a.socket.sent);
    // One encoding for both: the very same bytes, as text frames, cut as a queue would cut them.
    expect(a.socket.raw.every((m) => Buffer.isBuffer(m))).toBe(true);
    a.socket.raw.forEach((m, i) => expect(b.socket.raw[i]).toBe(m));
    expect(a.socket.messages().map((m) => (m.type === 'records' ? m.records.length : 0))).toEqual([
      3, 3, 1,
    ]);
    // The full socket sent nothing yet; once it drains, its queue brings the same records.
    expect(slow.socket.sent).toEqual([]);
    slow.socket.bufferedAmount = 0;
    slow.session.onMessage('{"type":"resume"}');
    await settle();
    expect(slow.socket.ids()).toEqual(range(1, 7));
    for (const c of [a, b, slow]) c.session.onClose();
  });

  it('holds records while paused, up to the bound, and reports the rest on resume', async () => {
    const s = setup({ limits: { maxQueueRecords: 4 } });
    s.release(backlogOf([]));
    await s.started;
    s.session.onMessage('{"type":"pause"}');
    s.hub.publish(committed(range(1, 6)));
    await settle();
    expect(s.socket.sent).toEqual([]);
    s.session.onMessage('{"type":"resume"}');
    await settle();
    expect(s.socket.ids()).toEqual(range(1, 4));
    expect(s.socket.messages().at(-1)).toEqual({ type: 'dropped', count: 2 });
    s.session.onClose();
  });

  it('treats records the hub could not examine as dropped, in their place in the stream', async () => {
    const s = setup({ limits: { hubQueueRecords: 3 } });
    s.release(backlogOf([]));
    await s.started;
    s.hub.publish(committed([1, 2]));
    s.hub.publish(committed([3, 4])); // over the hub's bound: skipped
    await settle();
    s.hub.publish(committed([5]));
    await settle();
    expect(s.socket.messages()).toEqual([
      expect.objectContaining({ type: 'records' }),
      { type: 'dropped', count: 2 },
      expect.objectContaining({ type: 'records' }),
    ]);
    expect(s.socket.ids()).toEqual([1, 2, 5]);
    s.session.onClose();
  });

  it('ends with LH_QUERY_TIMEOUT when its regex runs away on a record', async () => {
    const s = setup({ q: '/[ab]*a[ab]{99}c/' });
    s.release(backlogOf([]));
    await s.started;
    let x = 7;
    const noise = Array.from({ length: 400_000 }, () =>
      (x = (x * 1103515245 + 12345) & 0x7fffffff) & 0x10000 ? 'a' : 'b',
    ).join('');
    s.hub.publish(committed([1], () => `${noise}c`));
    await settle();
    expect(s.socket.messages()).toEqual([
      expect.objectContaining({ type: 'error', code: 'LH_QUERY_TIMEOUT' }),
    ]);
    expect(s.socket.closedWith?.code).toBe(1008);
    expect(s.ended()).toBe(1);
    expect(s.hub.clients).toBe(0);
  });

  it('reports a backlog that timed out in PostgreSQL, and one that failed otherwise', async () => {
    const a = setup();
    a.release(
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
    );
    await a.started;
    expect(a.socket.messages()).toEqual([
      expect.objectContaining({ type: 'error', code: 'LH_QUERY_TIMEOUT' }),
    ]);
    expect(a.hub.clients).toBe(0);
    const b = setup();
    b.release(new Error('connection refused'));
    await b.started;
    expect(b.socket.messages()).toEqual([
      { type: 'error', code: 'LH_INTERNAL', message: 'internal error' },
    ]);
    expect(b.socket.closedWith?.code).toBe(1011);
    expect(b.ended()).toBe(1);
  });

  it('answers an unknown or binary client message with an error and stays open', async () => {
    const s = setup();
    s.release(backlogOf([]));
    await s.started;
    s.session.onMessage('{"type":"rewind"}');
    s.session.onMessage('not json');
    s.session.onMessage(null);
    await settle();
    expect(s.socket.messages().map((m) => m.type === 'error' && m.code)).toEqual([
      'LH_BAD_REQUEST',
      'LH_BAD_REQUEST',
      'LH_BAD_REQUEST',
    ]);
    expect(s.socket.closedWith).toBeNull();
    s.session.onClose();
  });

  it('pings, and cuts off a peer that missed the previous pong', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const s = setup({ limits: { pingMs: 1000 } });
    s.release(backlogOf([]));
    await s.started;
    vi.advanceTimersByTime(1000);
    expect(s.socket.pings).toBe(1);
    s.session.onPong();
    vi.advanceTimersByTime(1000);
    expect(s.socket.pings).toBe(2);
    expect(s.socket.terminated).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(s.socket.terminated).toBe(true);
    s.session.onClose();
    s.session.onClose();
    expect(s.ended()).toBe(1);
    vi.advanceTimersByTime(5000);
    expect(s.socket.pings).toBe(2);
  });

  it('stops at close: nothing more is sent, the hub forgets it', async () => {
    const s = setup();
    s.session.onClose();
    expect(s.hub.clients).toBe(0);
    s.release(backlogOf([1]));
    await s.started;
    s.hub.publish(committed([2]));
    await settle();
    expect(s.socket.sent).toEqual([]);
  });
});

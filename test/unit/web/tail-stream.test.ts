import { describe, expect, it } from 'vitest';
import {
  TailStream,
  type Clock,
  type SocketHandlers,
  type TailOptions,
  type TailStatus,
} from '../../../web/src/tail-stream.js';
import type { ApiErrorBody, LogRecord } from '../../../web/src/wire.js';
import { rec } from './records.js';

class FakeClock implements Clock {
  t = 0;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
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
  get pending(): number {
    return this.timers.size;
  }
  /** Moves time forward, running each timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.timers.entries()]
        .filter(([, x]) => x.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
    }
    this.t = end;
  }
}

interface FakeSocket {
  url: string;
  h: SocketHandlers;
  sent: string[];
  closed: boolean;
  records(...ids: number[]): void;
  send(o: unknown): void;
}

function harness(opts: Partial<TailOptions> = {}) {
  const clock = new FakeClock();
  const sockets: FakeSocket[] = [];
  const delivered: (string | number)[][] = [];
  const statuses: TailStatus[] = [];
  const errors: { e: ApiErrorBody; fatal: boolean }[] = [];
  const stream = new TailStream({
    url: (after) => `ws://x/api/tail?after=${after ?? ''}`,
    socket: (url, h) => {
      const s: FakeSocket = {
        url,
        h,
        sent: [],
        closed: false,
        records: (...ids) =>
          h.message(JSON.stringify({ type: 'records', records: ids.map((i) => rec(i)) })),
        send: (o) => h.message(JSON.stringify(o)),
      };
      sockets.push(s);
      return { send: (d) => s.sent.push(d), close: () => void (s.closed = true) };
    },
    clock,
    random: () => 1,
    onRecords: (r: LogRecord[]) => delivered.push(r.map((x) => x.id)),
    onDropped: (n) => delivered.push([n]),
    onStatus: (s) => statuses.push(s),
    onError: (e, fatal) => errors.push({ e, fatal }),
    ...opts,
  });
  const last = (): FakeSocket => sockets[sockets.length - 1]!;
  return { clock, sockets, delivered, statuses, errors, stream, last };
}

describe('TailStream', () => {
  it('connects from the given id and reports connecting, then live', () => {
    const t = harness();
    t.stream.start('41');
    expect(t.last().url).toBe('ws://x/api/tail?after=41');
    expect(t.statuses).toEqual([{ state: 'connecting', attempt: 0 }]);
    t.last().h.open();
    expect(t.statuses.at(-1)).toEqual({ state: 'live' });
  });

  it('buffers records and hands them over once per flush interval, in order', () => {
    const t = harness({ flushMs: 250 });
    t.stream.start();
    t.last().h.open();
    t.last().records(1, 2);
    t.last().records(3);
    expect(t.delivered).toEqual([]);
    t.clock.advance(249);
    expect(t.delivered).toEqual([]);
    t.clock.advance(1);
    expect(t.delivered).toEqual([['1', '2', '3']]);
    expect(t.stream.lastId).toBe('3');
  });

  it('puts a dropped notice between the records around it', () => {
    const t = harness();
    t.stream.start();
    t.last().records(1);
    t.last().send({ type: 'dropped', count: 7 });
    t.last().records(9);
    t.clock.advance(250);
    expect(t.delivered).toEqual([['1'], [7], ['9']]);
  });

  it('ignores records at or before the last id (no duplicate across a resume)', () => {
    const t = harness();
    t.stream.start('5');
    t.last().records(4, 5, 6);
    t.last().records(6, 7);
    t.clock.advance(250);
    expect(t.delivered).toEqual([['6', '7']]);
  });

  it('ignores messages it does not understand', () => {
    const t = harness();
    t.stream.start();
    t.last().h.message('not json');
    t.last().send({ type: 'records', records: 'nope' });
    t.last().send({ type: 'hello' });
    t.last().send({ type: 'records', records: [{ id: 'x' }, rec(3)] });
    t.clock.advance(250);
    expect(t.delivered).toEqual([['3']]);
  });

  it('reconnects after a drop, from the last id, with growing backoff capped at the maximum', () => {
    const t = harness({ initialBackoffMs: 500, maxBackoffMs: 2000 });
    t.stream.start();
    t.last().h.open();
    t.last().records(10, 11);
    t.last().h.close();
    expect(t.statuses.at(-1)).toEqual({ state: 'waiting', retryInMs: 500, attempt: 1 });
    t.clock.advance(499);
    expect(t.sockets).toHaveLength(1);
    t.clock.advance(1);
    expect(t.sockets).toHaveLength(2);
    expect(t.last().url).toBe('ws://x/api/tail?after=11');
    // The records taken before the drop were still delivered.
    expect(t.delivered).toEqual([['10', '11']]);
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      t.last().h.close();
      const st = t.statuses.at(-1)!;
      if (st.state !== 'waiting') throw new Error('expected waiting');
      delays.push(st.retryInMs);
      t.clock.advance(st.retryInMs);
    }
    expect(delays).toEqual([1000, 2000, 2000, 2000]);
  });

  it('a connection that stayed up resets the backoff', () => {
    const t = harness({ initialBackoffMs: 500, stableMs: 5000 });
    t.stream.start();
    t.last().h.close();
    t.clock.advance(500);
    t.last().h.close();
    t.clock.advance(1000);
    t.last().h.open();
    t.clock.advance(5000);
    t.last().h.close();
    expect(t.statuses.at(-1)).toEqual({ state: 'waiting', retryInMs: 500, attempt: 1 });
  });

  it('backoff jitter stays within half to all of the base delay', () => {
    const low = harness({ random: () => 0, initialBackoffMs: 1000 });
    low.stream.start();
    low.last().h.close();
    expect(low.statuses.at(-1)).toMatchObject({ retryInMs: 500 });
  });

  it('a query error is fatal: reported with its column, no reconnect', () => {
    const t = harness();
    t.stream.start();
    t.last().send({ type: 'error', code: 'LH_QUERY_SYNTAX', message: 'bad', column: 4 });
    expect(t.errors).toEqual([
      { e: { code: 'LH_QUERY_SYNTAX', message: 'bad', column: 4 }, fatal: true },
    ]);
    expect(t.last().closed).toBe(true);
    t.last().h.close();
    t.clock.advance(60_000);
    expect(t.sockets).toHaveLength(1);
    expect(t.statuses.at(-1)).toEqual({ state: 'stopped', fatal: true });
  });

  it('other errors are reported and the connection is retried when it closes', () => {
    const t = harness();
    t.stream.start();
    t.last().send({ type: 'error', code: 'LH_INTERNAL', message: 'db down' });
    expect(t.errors[0]?.fatal).toBe(false);
    t.last().h.close();
    t.clock.advance(500);
    expect(t.sockets).toHaveLength(2);
  });

  it('pause holds records and counts them; resume hands them over', () => {
    const t = harness();
    t.stream.start();
    t.last().h.open();
    t.stream.pause();
    t.last().records(1, 2, 3);
    t.clock.advance(10_000);
    expect(t.delivered).toEqual([]);
    expect(t.statuses.at(-1)).toEqual({ state: 'paused', pending: 3, stalled: false });
    t.stream.resume();
    expect(t.delivered).toEqual([['1', '2', '3']]);
    expect(t.statuses.at(-1)).toEqual({ state: 'live' });
  });

  it('paused past maxPending: stops reading, keeps exactly the cap, resumes after the last kept id', () => {
    const t = harness({ maxPending: 4 });
    t.stream.start();
    t.last().h.open();
    t.stream.pause();
    t.last().records(1, 2, 3);
    t.last().records(4, 5, 6);
    expect(t.last().closed).toBe(true);
    expect(t.statuses.at(-1)).toEqual({ state: 'paused', pending: 4, stalled: true });
    expect(t.stream.lastId).toBe('4');
    t.last().h.close();
    t.clock.advance(60_000);
    expect(t.sockets).toHaveLength(1);
    t.stream.resume();
    expect(t.delivered).toEqual([['1', '2', '3', '4']]);
    expect(t.sockets).toHaveLength(2);
    expect(t.last().url).toBe('ws://x/api/tail?after=4');
    t.last().records(5, 6);
    t.clock.advance(250);
    expect(t.delivered).toEqual([
      ['1', '2', '3', '4'],
      ['5', '6'],
    ]);
  });

  it('not paused, a full buffer is handed over at once instead of waiting for the timer', () => {
    const t = harness({ maxPending: 3 });
    t.stream.start();
    t.last().records(1, 2, 3, 4);
    expect(t.delivered).toEqual([['1', '2', '3', '4']]);
  });

  it('after stop, nothing more is delivered and the old socket is ignored', () => {
    const t = harness();
    t.stream.start();
    const s = t.last();
    s.records(1);
    t.stream.stop();
    expect(s.closed).toBe(true);
    s.records(2);
    s.h.close();
    t.clock.advance(60_000);
    expect(t.delivered).toEqual([]);
    expect(t.sockets).toHaveLength(1);
    expect(t.clock.pending).toBe(0);
  });

  it('events from a replaced socket are ignored', () => {
    const t = harness();
    t.stream.start();
    const old = t.last();
    old.h.close();
    t.clock.advance(500);
    const fresh = t.last();
    expect(fresh).not.toBe(old);
    old.records(1);
    old.h.close();
    fresh.records(2);
    t.clock.advance(250);
    expect(t.delivered).toEqual([['2']]);
    expect(t.sockets).toHaveLength(2);
  });
});

import { describe, expect, it } from 'vitest';
import {
  compareIds,
  parseContainers,
  parseErrorBody,
  parseHistogram,
  parseLogsPage,
  parseSources,
  parseTailMessage,
  toRecord,
  MAX_COLLECTORS,
} from '../../../web/src/wire.js';
import { COLLECTOR } from './collectors.js';
import { rec } from './records.js';

describe('toRecord', () => {
  it('accepts a record as the API sends it', () => {
    const r = { ...rec(1), severity: 3, facility: 1, attrs: { a: { b: [1] } } };
    expect(toRecord(JSON.parse(JSON.stringify(r)))).toEqual(r);
  });

  it('refuses a record without a usable id, time, message or source', () => {
    expect(toRecord({ ...rec(1), id: 5 })).toBeNull();
    expect(toRecord({ ...rec(1), id: '1e3' })).toBeNull();
    expect(toRecord({ ...rec(1), ts: null })).toBeNull();
    expect(toRecord({ ...rec(1), message: { html: '<b>' } })).toBeNull();
    expect(toRecord({ ...rec(1), source: 'carrier-pigeon' })).toBeNull();
    expect(toRecord(null)).toBeNull();
    expect(toRecord([rec(1)])).toBeNull();
  });

  it('turns ill-typed optional fields into null instead of trusting them', () => {
    const r = toRecord({
      ...rec(1),
      host: 42,
      stream: 'stdin',
      severity: 9,
      facility: 2.5,
      attrs: [1],
    });
    expect(r).toMatchObject({
      host: null,
      stream: null,
      severity: null,
      facility: null,
      attrs: null,
    });
  });
});

describe('response shapes', () => {
  it('a logs page skips bad records and keeps the cursor', () => {
    expect(parseLogsPage({ records: [rec(2), { id: 'x' }, rec(1)], next_cursor: 'abc' })).toEqual({
      records: [rec(2), rec(1)],
      nextCursor: 'abc',
    });
    expect(parseLogsPage({ records: [], next_cursor: null })).toEqual({
      records: [],
      nextCursor: null,
    });
    expect(parseLogsPage({ rows: [] })).toBeNull();
  });

  it('a histogram is sorted and checked', () => {
    const h = parseHistogram({
      interval_ms: 1000,
      buckets: [
        { start: '2024-01-01T00:00:01Z', count: 2 },
        { start: '2024-01-01T00:00:00Z', count: 1 },
        { start: 'never', count: 1 },
        { start: '2024-01-01T00:00:02Z', count: -1 },
      ],
    });
    expect(h).toEqual({
      intervalMs: 1000,
      buckets: [
        { start: Date.UTC(2024, 0, 1), count: 1 },
        { start: Date.UTC(2024, 0, 1, 0, 0, 1), count: 2 },
      ],
      groups: null,
    });
    expect(parseHistogram({ interval_ms: 0, buckets: [] })).toBeNull();
  });

  it('a histogram split by group keeps the keys in order and their counts (issue 18)', () => {
    const h = parseHistogram({
      interval_ms: 60_000,
      groups: ['error', 'info', 'none', 7, 'error', ''],
      buckets: [
        { start: '2024-01-01T00:01:00Z', count: 3, groups: { info: 2, none: 1 } },
        { start: '2024-01-01T00:00:00Z', count: 5, groups: { error: 1, info: 4, bogus: 9 } },
        { start: '2024-01-01T00:02:00Z', count: 0 },
        { start: '2024-01-01T00:03:00Z', count: 2, groups: { info: 'two', error: -1 } },
      ],
    });
    expect(h).toEqual({
      intervalMs: 60_000,
      groups: ['error', 'info', 'none'],
      buckets: [
        { start: Date.UTC(2024, 0, 1), count: 5, groups: { error: 1, info: 4 } },
        { start: Date.UTC(2024, 0, 1, 0, 1), count: 3, groups: { info: 2, none: 1 } },
        { start: Date.UTC(2024, 0, 1, 0, 2), count: 0, groups: {} },
        { start: Date.UTC(2024, 0, 1, 0, 3), count: 2, groups: {} },
      ],
    });
  });

  it('containers with Docker state, and one known only by its id (issue 18)', () => {
    const id = 'f'.repeat(64);
    expect(
      parseContainers({
        containers: [
          {
            container_name: 'web',
            container_id: 'abc',
            count: 3,
            state: 'restarting',
            restarts: 4,
            started_at: '2024-01-01T00:00:00Z',
            finished_at: null,
          },
          { container_name: null, container_id: id, count: 1, state: 'sleeping', restarts: -2 },
          { container_name: null, container_id: null },
        ],
      }),
    ).toEqual([
      {
        containerName: 'web',
        named: true,
        dockerName: null,
        containerId: 'abc',
        project: null,
        service: null,
        count: 3,
        lastSeen: null,
        state: 'restarting',
        restarts: 4,
        startedAt: '2024-01-01T00:00:00Z',
        finishedAt: null,
      },
      {
        containerName: 'f'.repeat(12),
        named: false,
        dockerName: null,
        containerId: id,
        project: null,
        service: null,
        count: 1,
        lastSeen: null,
        state: null,
        restarts: null,
        startedAt: null,
        finishedAt: null,
      },
    ]);
  });

  it('containers and listeners', () => {
    expect(
      parseContainers({
        containers: [
          {
            container_name: 'web',
            container_id: 'abc',
            project: 'shop',
            service: 'web',
            count: 3,
            last_seen: 'x',
          },
          { container_name: '' },
          { container_name: 'bare' },
        ],
      }),
    ).toEqual([
      {
        containerName: 'web',
        named: true,
        dockerName: null,
        containerId: 'abc',
        project: 'shop',
        service: 'web',
        count: 3,
        lastSeen: 'x',
        state: null,
        restarts: null,
        startedAt: null,
        finishedAt: null,
      },
      {
        containerName: 'bare',
        named: true,
        dockerName: null,
        containerId: null,
        project: null,
        service: null,
        count: 0,
        lastSeen: null,
        state: null,
        restarts: null,
        startedAt: null,
        finishedAt: null,
      },
    ]);
    // An API older than the spool sends no collectors.
    expect(
      parseSources({ listeners: [{ listener: 'fwd', rate_per_s: 2.5, errors: 'many' }] }),
    ).toEqual({
      listeners: [
        {
          listener: 'fwd',
          protocol: '',
          transport: '',
          address: '',
          connections: 0,
          received: 0,
          errors: 0,
          dropped: 0,
          lastError: null,
          ratePerS: 2.5,
        },
      ],
      collectors: [],
    });
  });

  it('collectors as GET /api/sources sends them (issue 16)', () => {
    const wire = JSON.parse(JSON.stringify({ listeners: [], collectors: [COLLECTOR] })) as unknown;
    expect(parseSources(wire)?.collectors).toEqual([
      {
        spoolId: 'a1b2',
        host: 'box',
        pid: 4242,
        spoolBytes: 1_288_490_189,
        spoolMaxBytes: 4_294_967_296,
        waiting: 310,
        oldestWaitingS: 42.5,
        drainPerS: 0,
        full: false,
        fullReason: null,
        postgresDownSince: '2026-11-28T06:00:00.000Z',
        postgresError: 'connect ECONNREFUSED 127.0.0.1:5432',
        sync: 'interval',
        ackAfter: 'spool',
        lag: 'PostgreSQL unreachable for 42 s, 1.2 GB waiting in the spool',
      },
    ]);
  });

  it('collectors: ill-typed fields become safe values, unusable entries are skipped', () => {
    const bad = {
      ...COLLECTOR,
      pid: -1,
      spool_bytes: -5,
      spool_max_bytes: Infinity,
      waiting: '310',
      oldest_waiting_s: null,
      drain_per_s: NaN,
      full: 'yes',
      full_reason: 7,
      postgres_down_since: 'not a time',
      postgres_error: { msg: 'x' },
      sync: ['always'],
      ack_after: undefined,
      lag: 'x'.repeat(10_000),
    };
    const out = parseSources({
      listeners: [],
      collectors: [bad, null, 'c', [], { ...COLLECTOR, spool_id: '' }, { host: 'no id' }],
    });
    expect(out?.collectors).toEqual([
      {
        spoolId: 'a1b2',
        host: 'box',
        pid: null,
        spoolBytes: 0,
        spoolMaxBytes: 0,
        waiting: 0,
        oldestWaitingS: 0,
        drainPerS: 0,
        full: false,
        fullReason: null,
        postgresDownSince: null,
        postgresError: null,
        sync: '',
        ackAfter: '',
        lag: 'x'.repeat(500),
      },
    ]);
    // A lag of null or '' is no lag; collectors of the wrong type are none.
    expect(
      parseSources({ listeners: [], collectors: [{ ...COLLECTOR, lag: '' }] })?.collectors[0]?.lag,
    ).toBeNull();
    expect(parseSources({ listeners: [], collectors: { a: COLLECTOR } })?.collectors).toEqual([]);
    expect(parseSources({ collectors: [COLLECTOR] })).toBeNull();
  });

  it(`collectors: at most ${MAX_COLLECTORS}`, () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({ ...COLLECTOR, spool_id: `s${i}` }));
    expect(parseSources({ listeners: [], collectors: many })?.collectors).toHaveLength(
      MAX_COLLECTORS,
    );
  });

  it('error bodies, wrapped or bare', () => {
    expect(parseErrorBody({ error: { code: 'LH_QUERY_SYNTAX', message: 'm', column: 3 } })).toEqual(
      {
        code: 'LH_QUERY_SYNTAX',
        message: 'm',
        column: 3,
      },
    );
    expect(parseErrorBody({ code: 'LH_X', column: 0 })).toEqual({
      code: 'LH_X',
      message: 'LH_X',
      column: null,
    });
    expect(parseErrorBody('<html>')).toBeNull();
  });

  it('tail messages', () => {
    expect(parseTailMessage(JSON.stringify({ type: 'records', records: [rec(1)] }))).toEqual({
      type: 'records',
      records: [rec(1)],
    });
    expect(parseTailMessage('{"type":"dropped","count":5}')).toEqual({ type: 'dropped', count: 5 });
    expect(parseTailMessage('{"type":"dropped","count":-1}')).toBeNull();
    expect(parseTailMessage('{"type":"error","code":"LH_UNAUTHORIZED","message":"no"}')).toEqual({
      type: 'error',
      error: { code: 'LH_UNAUTHORIZED', message: 'no', column: null },
    });
    expect(parseTailMessage('{"type":"ping"}')).toBeNull();
    expect(parseTailMessage('{')).toBeNull();
  });
});

it('compareIds orders decimal ids past 2^53 numerically', () => {
  expect(compareIds('9', '10')).toBeLessThan(0);
  expect(compareIds('9007199254740993', '9007199254740992')).toBeGreaterThan(0);
  expect(compareIds('42', '42')).toBe(0);
});

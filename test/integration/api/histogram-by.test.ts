/**
 * GET /api/logs/histogram?by=level|container (issue 18, item 4) must count what a plain
 * scan of `logs` counts, bucket by bucket and key by key, whichever way it answers (the
 * per-minute tables for no filter, container names, levels or both; the block walk
 * otherwise): random
 * records over many small blocks written by two lanes, more containers than get a key
 * (some known only by id, some lines of no container), random severities and queries.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writer } from '../../../collector/writer/writer.js';
import { silentLogger } from '../../../core/log.js';
import { newRecord, SEVERITY_NAMES, type LogRecord } from '../../../core/record.js';
import { Telemetry } from '../../../core/telemetry.js';
import { parseQuery, toSql } from '../../../api/query/index.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { storedRows } from '../../../dev/stored-rows.js';

const T = 1_764_000_000; // a whole minute
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
/** 14 named containers with skewed volumes, 2 known only by id, and no container at all. */
const NAMES = Array.from({ length: 14 }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
const IDS = ['0a1b2c3d4e5f', 'f5e4d3c2b1a0'];

interface Answer {
  buckets: { start: string; count: number; groups?: Record<string, number> }[];
  interval_ms: number;
  groups?: string[];
}

describe('histogram by level and by container', () => {
  let h: Harness;
  /** What the writer stored, as rows (dev/stored-rows.ts). */
  let stored = '';
  beforeAll(async () => {
    h = await startHarness({ LOGHARBOR_API_RATE_LIMIT: '0' });
    const w = new Writer(
      h.pool,
      { batchSize: 40, flushMs: 0, queueMax: 100_000 },
      silentLogger,
      new Telemetry(),
    );
    const rnd = fc.sample(
      fc.record({
        words: fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 3 }),
        dt: fc.integer({ min: 0, max: 4 * 3600 }),
        // Skewed: low indexes far more often, so the top 10 is not a tie everywhere.
        c: fc.integer({ min: 0, max: 17 }).chain((a) => fc.integer({ min: 0, max: a })),
        sev: fc.option(fc.integer({ min: 0, max: 7 }), { freq: 3 }),
      }),
      { numRuns: 3000, seed: 18 },
    );
    const units: Promise<void>[] = [];
    for (let i = 0; i < rnd.length; i += 30) {
      const records: LogRecord[] = rnd.slice(i, i + 30).map((x) => {
        const r = newRecord('forward', T + x.dt, (x.dt * 7919) % 1e9, x.words.join(' '));
        r.severity = x.sev;
        if (x.c < NAMES.length) {
          r.containerName = NAMES[x.c]!;
          r.containerId = String(x.c).padStart(2, '0').repeat(32);
        } else if (x.c < NAMES.length + IDS.length) r.containerId = IDS[x.c - NAMES.length]!;
        else r.host = 'bare-host';
        return r;
      });
      units.push(w.submit({ records }));
    }
    await Promise.all(units);
    await w.close();
    stored = await storedRows(h.pool);
  });
  afterAll(async () => h.close());

  const ask = async (q: string, from: number, to: number, buckets: number, by?: string) => {
    const url =
      `/api/logs/histogram?q=${encodeURIComponent(q)}&from=${new Date(from * 1000).toISOString()}` +
      `&to=${new Date(to * 1000).toISOString()}&buckets=${buckets}${by ? `&by=${by}` : ''}`;
    const r = await h.app.inject({ method: 'GET', url });
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as Answer;
  };

  /** [bucket start, key, n] for every non-zero count, as a scan of `logs` gives them. */
  const scan = async (q: string, from: number, to: number, width: number, by: string) => {
    const f = toSql(parseQuery(q), 5);
    const key =
      by === 'level' ? 'severity::text' : `coalesce(container_name, container_id) COLLATE "C"`;
    const origin = Math.floor((from * 1000) / width) * width;
    const rows = (
      await h.pool.query<{ b: string; k: string | null; n: number }>(
        `SELECT (extract(epoch FROM date_bin($1::interval, ts, $2::timestamptz)) * 1000)::bigint::text AS b,
                ${key} AS k, count(*)::int AS n
           FROM ${stored} WHERE ts >= $3 AND ts < $4 AND ${f.text} GROUP BY 1, 2`,
        [
          `${width} milliseconds`,
          new Date(origin).toISOString(),
          new Date(from * 1000).toISOString(),
          new Date(to * 1000).toISOString(),
          ...f.values,
        ],
      )
    ).rows;
    let name = (k: string | null): string =>
      k === null ? 'none' : (SEVERITY_NAMES[Number(k)] ?? 'none');
    if (by === 'container') {
      const totals = new Map<string, number>();
      for (const r of rows) if (r.k !== null) totals.set(r.k, (totals.get(r.k) ?? 0) + r.n);
      const top = new Set(
        [...totals]
          .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
          .slice(0, 10)
          .map(([k]) => k),
      );
      name = (k) => (k !== null && top.has(k) ? k : 'other');
    }
    const out = new Map<string, number>();
    for (const r of rows) {
      const k = `${new Date(Number(r.b)).toISOString()} ${name(r.k)}`;
      out.set(k, (out.get(k) ?? 0) + r.n);
    }
    return [...out].filter(([, n]) => n > 0).sort();
  };

  const flat = (a: Answer) =>
    a.buckets
      .flatMap((b) => Object.entries(b.groups!).map(([k, n]) => [`${b.start} ${k}`, n] as const))
      .filter(([, n]) => n > 0)
      .sort();

  const check = async (q: string, from: number, to: number, buckets: number, by: string) => {
    const a = await ask(q, from, to, buckets, by);
    const label = `${by} ${JSON.stringify(q)} ${from - T}..${to - T} /${buckets}`;
    expect(flat(a), label).toEqual(await scan(q, from, to, a.interval_ms, by));
    // Every bucket holds every key, and adds up to its count.
    for (const b of a.buckets) {
      expect(Object.keys(b.groups!), label).toEqual(a.groups);
      expect(
        Object.values(b.groups!).reduce((x, y) => x + y, 0),
        label,
      ).toBe(b.count);
    }
    // The keys: those with matches, in display order.
    const totals = new Map<string, number>();
    for (const b of a.buckets)
      for (const [k, n] of Object.entries(b.groups!)) totals.set(k, (totals.get(k) ?? 0) + n);
    expect(
      [...totals.values()].every((n) => n > 0),
      label,
    ).toBe(true);
    if (by === 'level') {
      const rank = (k: string) =>
        k === 'none' ? 99 : (SEVERITY_NAMES as readonly string[]).indexOf(k);
      expect(a.groups, label).toEqual([...a.groups!].sort((x, y) => rank(x) - rank(y)));
    } else {
      const named = a.groups!.filter((k) => k !== 'other');
      expect(named.length, label).toBeLessThanOrEqual(10);
      for (let i = 1; i < named.length; i++)
        expect(totals.get(named[i - 1]!)!, label).toBeGreaterThanOrEqual(totals.get(named[i]!)!);
      if (a.groups!.includes('other')) expect(a.groups!.at(-1), label).toBe('other');
    }
    return a;
  };

  it('answers the contract, and without `by` as before', async () => {
    const plain = await ask('', T, T + 4 * 3600, 24);
    expect(plain.groups).toBeUndefined();
    expect(plain.buckets[0]).toEqual({
      start: new Date(T * 1000).toISOString(),
      count: expect.any(Number),
    });
    const level = await check('', T, T + 4 * 3600, 24, 'level');
    expect(level.interval_ms).toBe(plain.interval_ms);
    expect(level.buckets.map((b) => b.count)).toEqual(plain.buckets.map((b) => b.count));
    expect(level.groups).toEqual([...SEVERITY_NAMES, 'none']);
    const container = await check('', T, T + 4 * 3600, 24, 'container');
    expect(container.groups).toHaveLength(11);
    expect(container.groups!.slice(0, 2)).toEqual(['svc-00', 'svc-01']);
    expect(container.groups!.at(-1)).toBe('other');
    const none = await check('zzz-never', T, T + 4 * 3600, 24, 'level');
    expect(none.groups).toEqual([]);
    expect(none.buckets.every((b) => b.count === 0 && Object.keys(b.groups!).length === 0)).toBe(
      true,
    );
    const bad = await h.app.inject({ method: 'GET', url: '/api/logs/histogram?by=host' });
    expect(bad.statusCode).toBe(400);
  });

  it('agrees with a scan for random queries, ranges and widths', { timeout: 240_000 }, async () => {
    const term = fc.oneof(
      fc.constantFrom(...WORDS),
      fc.constantFrom('container:svc-00', 'container:svc-13', 'container:svc-0*'),
      fc.constantFrom(`container:${IDS[0]}`, 'level>=warning', 'level:info', '-level:debug'),
      fc.constantFrom('host:bare-host', '-container:svc-01', 'container:nobody'),
    );
    // What the per-minute tables answer: container names, levels, and both.
    const names = fc
      .uniqueArray(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 12 })
      .map((n) => n.map((x) => `container:${x}`).join(' OR '));
    const levels = fc.constantFrom(
      'level>=warning',
      'level:info',
      '-level:debug',
      'NOT (level:info OR level<=crit)',
      'level>notice OR level:emerg',
    );
    const query = fc.oneof(
      fc.constant(''),
      term,
      fc.tuple(term, term).map(([a, b]) => `${a} ${b}`),
      fc.tuple(term, term).map(([a, b]) => `${a} OR ${b}`),
      names,
      levels,
      fc.tuple(names, levels).map(([n, l]) => `(${n}) ${l}`),
      fc.tuple(names, levels).map(([n, l]) => `${l} (${n}) container:svc-0*`),
    );
    // Whole minutes (the per-minute tables round to them); widths from 1 s to 10 min.
    const range = fc
      .tuple(fc.integer({ min: -10, max: 200 }), fc.integer({ min: 1, max: 300 }))
      .map(([a, n]) => [T + a * 60, T + (a + n) * 60] as const);
    await fc.assert(
      fc.asyncProperty(
        query,
        range,
        fc.constantFrom(10, 60, 200),
        fc.constantFrom('level', 'container'),
        async (q, [from, to], buckets, by) => {
          await check(q, from, to, buckets, by);
        },
      ),
      { numRuns: 120, seed: 18 },
    );
  });
});

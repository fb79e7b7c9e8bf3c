/**
 * Issue 17, "one read path": the same random lines stored (a) as legacy rows with their
 * blocks, (b) as level-0 packs, (c) as merged packs, (d) mixed, must read back the same,
 * and as the query's predicate (api/query/to-predicate.ts) applied to the raw lines in
 * (ts, id) order says: every page of a search, the histogram's buckets (per level and per
 * container too), the lines around a record on both sides, and the tail's backlogs (short
 * and resumed, cut by records and characters). Merged packs are also read through the
 * worker threads (api/search/pack-workers.ts), forced on for small reads.
 */
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../api/app.js';
import { parseQuery, print, toPredicate, type Query } from '../../../api/query/index.js';
import { jsonbTextBytes } from '../../../api/search/jsonb-size.js';
import {
  dropWorkerCaches,
  setPackWorkers,
  setRemoteMinBytes,
} from '../../../api/search/pack-workers.js';
import { packCache } from '../../../api/search/pack-source.js';
import { backlogReader } from '../../../api/tail/backlog.js';
import { TAIL_LIMITS, type TailLimits } from '../../../api/tail/limits.js';
import { migrate } from '../../../core/db/migrate.js';
import { createPool, type Pool } from '../../../core/db/pool.js';
import { silentLogger } from '../../../core/log.js';
import type { PackRow } from '../../../core/packs/encode.js';
import { SEVERITY_NAMES, newRecord, type StoredRecord } from '../../../core/record.js';
import { toStoredRecord } from '../../../core/stored-record.js';
import { Telemetry } from '../../../core/telemetry.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { sampleRecord, validAst } from '../../unit/query/arbitraries.js';
import { insertBlocks, insertLegacyRows, insertLevel0, insertMerged } from './pack-store.js';

const T0 = 1_764_000_000;
const SPAN_S = 3600;

/** Raw lines: random records, times in one hour with ties, ids in arrival order. */
function lines(seed: number, n: number): PackRow[] {
  const samples = fc.sample(
    fc.tuple(
      sampleRecord,
      fc.integer({ min: 0, max: SPAN_S - 1 }),
      fc.constantFrom(0, 1000, 999_999_999, 123_456_789, 5_000_000),
      fc.option(fc.integer({ min: 0, max: 23 }), { nil: null }),
    ),
    { numRuns: n, seed },
  );
  return samples.map(([s, dt, nano, facility], i) => ({
    id: 1000 + i * 3, // gaps, as ids taken by batches that later skipped duplicates
    record: {
      ...newRecord(s.source, T0 + dt, nano, s.message),
      receivedAt: (T0 + dt) * 1000 + (i % 7),
      host: s.host,
      containerId: s.container_id,
      containerName: s.container_name,
      stream: s.stream,
      tag: s.tag,
      app: s.app,
      project: s.project,
      service: s.service,
      severity: s.severity,
      facility,
      attrs: s.attrs,
    },
  }));
}

interface Line {
  id: number;
  sec: number;
  micro: number;
  ms: number;
  stored: StoredRecord;
  size: number;
}

function prepared(rows: PackRow[]): Line[] {
  return rows.map(({ id, record: r }) => {
    const stored = toStoredRecord(id, r);
    return {
      id,
      sec: r.tsSec,
      micro: Math.floor(r.tsNano / 1000),
      ms: r.tsSec * 1000 + Math.floor(r.tsNano / 1_000_000),
      stored,
      size: Buffer.byteLength(r.message) + jsonbTextBytes(stored.attrs),
    };
  });
}

const newest = (a: Line, b: Line) => b.sec - a.sec || b.micro - a.micro || b.id - a.id;

type Variant = 'legacy' | 'level0' | 'merged' | 'mixed';

async function store(pool: Pool, variant: Variant, rows: PackRow[]): Promise<void> {
  await pool.query('TRUNCATE logs, log_blocks, log_packs');
  const third = Math.floor(rows.length / 3);
  const legacy = variant === 'legacy' ? rows : variant === 'mixed' ? rows.slice(0, third) : [];
  const merged =
    variant === 'merged' ? rows : variant === 'mixed' ? rows.slice(third, 2 * third) : [];
  const level0 = variant === 'level0' ? rows : variant === 'mixed' ? rows.slice(2 * third) : [];
  await insertLegacyRows(pool, legacy);
  await insertBlocks(pool, legacy, {
    rows: 16,
    open: (i) => i % 5 === 4,
    unlisted: (i) => i % 3 === 2,
  });
  await insertMerged(pool, merged, 24);
  await insertLevel0(pool, level0, [1, 7, 30, 3, 12]);
}

describe('one read path over legacy rows and packs', () => {
  let db: TestDatabase;
  let pool: Pool;
  let app: FastifyInstance;
  const rows = lines(17, 240);
  const all = prepared(rows);

  beforeAll(async () => {
    db = await createTestDatabase('lh_onepath');
    pool = createPool(db.url, { max: 4 });
    await migrate(pool);
    app = await buildApp({ pool, telemetry: new Telemetry(), log: silentLogger, apiToken: null });
  });
  afterAll(async () => {
    setPackWorkers(2);
    setRemoteMinBytes(null);
    await app?.close();
    await pool?.end();
    await db?.drop();
  });

  const get = async (url: string) => {
    const r = await app.inject({ method: 'GET', url });
    expect(r.statusCode, `${url}: ${r.body}`).toBe(200);
    return r.json();
  };

  async function pages(q: string, limit: number, range: string): Promise<StoredRecord[]> {
    const out: StoredRecord[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/logs?q=${encodeURIComponent(q)}&limit=${limit}${range}${cursor ? `&cursor=${cursor}` : ''}`;
      const body: { records: StoredRecord[]; next_cursor: string | null } = await get(url);
      out.push(...body.records);
      cursor = body.next_cursor;
    } while (cursor);
    return out;
  }

  function expectedHistogram(
    matches: Line[],
    fromMs: number,
    width: number,
    by: 'level' | 'container' | null,
  ): Map<string, number> {
    const origin = Math.floor(fromMs / width) * width;
    const key = (l: Line): string | null => {
      if (by === 'level') return SEVERITY_NAMES[l.stored.severity ?? -1] ?? 'none';
      if (by === 'container') return l.stored.container_name ?? l.stored.container_id;
      return '';
    };
    let keep: Set<string | null> | null = null;
    if (by === 'container') {
      const totals = new Map<string, number>();
      for (const l of matches) {
        const k = key(l);
        if (k !== null) totals.set(k, (totals.get(k) ?? 0) + 1);
      }
      keep = new Set(
        [...totals]
          .sort((a, b) => b[1] - a[1] || Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])))
          .slice(0, 10)
          .map(([k]) => k),
      );
    }
    const out = new Map<string, number>();
    for (const l of matches) {
      const b = origin + Math.floor((l.ms - origin) / width) * width;
      let k = key(l);
      if (k === null || (keep && !keep.has(k))) k = 'other';
      const id = `${new Date(b).toISOString()}|${k}`;
      out.set(id, (out.get(id) ?? 0) + 1);
    }
    return out;
  }

  async function check(q: Query, text: string, o: Options): Promise<void> {
    const test = toPredicate(q);
    const matches = all.filter((l) => test(l.stored));
    // Pages, in a range or over all time.
    const fromMs = (T0 + o.from) * 1000;
    const toMs = (T0 + o.from + o.span) * 1000;
    const ranged = o.ranged;
    const range = ranged
      ? `&from=${new Date(fromMs).toISOString()}&to=${new Date(toMs).toISOString()}`
      : '';
    const want = matches.filter((l) => !ranged || (l.ms >= fromMs && l.ms < toMs)).sort(newest);
    expect((await pages(text, o.limit, range)).map((r) => JSON.stringify(r))).toEqual(
      want.map((l) => JSON.stringify(l.stored)),
    );
    // The histogram of the query (never the per-minute tables: buckets under a minute).
    const hFrom = T0 * 1000;
    const hTo = (T0 + SPAN_S) * 1000;
    const h = await get(
      `/api/logs/histogram?q=${encodeURIComponent(text)}&from=${new Date(hFrom).toISOString()}&to=${new Date(hTo).toISOString()}&buckets=400${o.by ? `&by=${o.by}` : ''}`,
    );
    expect(h.interval_ms).toBeLessThan(60_000);
    const got = new Map<string, number>();
    for (const b of h.buckets as {
      start: string;
      count: number;
      groups?: Record<string, number>;
    }[]) {
      if (o.by === null) {
        if (b.count > 0) got.set(`${b.start}|`, b.count);
        continue;
      }
      for (const [k, n] of Object.entries(b.groups ?? {})) if (n > 0) got.set(`${b.start}|${k}`, n);
    }
    expect(got).toEqual(expectedHistogram(matches, hFrom, h.interval_ms, o.by));
    // The tail's backlogs.
    const limits: TailLimits = {
      ...TAIL_LIMITS,
      shortBacklog: o.short,
      maxQueueRecords: o.window,
      maxQueueChars: o.chars,
      maxDroppedCount: o.dropCap,
    };
    const read = backlogReader(pool, limits);
    const upTo = o.upTo === null ? Infinity : all[o.upTo]!.id;
    const below = matches.filter((l) => l.id <= upTo);
    const short = await read(q, null, upTo);
    const shortWant: Line[] = [];
    let chars = 0;
    for (const l of [...below].sort(newest).slice(0, o.short)) {
      chars += l.size;
      if (chars > o.chars) break;
      shortWant.push(l);
    }
    expect(short.records.map((r) => JSON.stringify(r))).toEqual(
      shortWant.sort((a, b) => a.id - b.id).map((l) => JSON.stringify(l.stored)),
    );
    const after = all[o.after]!.id;
    const resumed = await read(q, after, upTo);
    const later = below.filter((l) => l.id > after).sort((a, b) => b.id - a.id);
    const win: Line[] = [];
    chars = 0;
    for (const l of later.slice(0, o.window)) {
      chars += l.size;
      if (chars > o.chars) break;
      win.push(l);
    }
    const low = win.length ? win[win.length - 1]!.id : Infinity;
    expect(resumed).toEqual({
      records: win.sort((a, b) => a.id - b.id).map((l) => l.stored),
      skipped: Math.min(o.dropCap, later.filter((l) => l.id < low).length),
    });
  }

  interface Options {
    limit: number;
    ranged: boolean;
    from: number;
    span: number;
    by: 'level' | 'container' | null;
    short: number;
    window: number;
    chars: number;
    dropCap: number;
    upTo: number | null;
    after: number;
  }

  const options: fc.Arbitrary<Options> = fc.record({
    limit: fc.constantFrom(1, 3, 7, 50, 1000),
    ranged: fc.boolean(),
    from: fc.integer({ min: 0, max: SPAN_S - 1 }),
    span: fc.integer({ min: 1, max: SPAN_S }),
    by: fc.constantFrom(null, 'level' as const, 'container' as const),
    short: fc.integer({ min: 1, max: 12 }),
    window: fc.integer({ min: 1, max: 12 }),
    chars: fc.constantFrom(40, 150, 1000, 1_000_000),
    dropCap: fc.constantFrom(3, 1_000_000),
    upTo: fc.option(fc.integer({ min: 0, max: rows.length - 1 }), { nil: null }),
    after: fc.integer({ min: 0, max: rows.length - 1 }),
  });

  async function context(): Promise<void> {
    for (const k of [0, 5, 17, 60, 99, 150, 201, 239]) {
      const a = all[k]!;
      for (const scope of ['source', 'all'] as const) {
        const before = (k % 4) * 3;
        const after = ((k + 1) % 4) * 4;
        const r = await get(
          `/api/logs/${a.id}/context?before=${before}&after=${after}&scope=${scope}`,
        );
        const s = a.stored;
        const same = all.filter(
          (l) =>
            scope === 'all' ||
            (s.container_name !== null
              ? l.stored.container_name === s.container_name
              : l.stored.host === s.host && l.stored.app === s.app),
        );
        const older = same
          .filter((l) => newest(l, a) > 0)
          .sort(newest)
          .slice(0, before);
        const newer = same
          .filter((l) => newest(l, a) < 0)
          .sort((x, y) => newest(y, x))
          .slice(0, after);
        expect(r.records, `${a.id} ${scope}`).toEqual([
          ...older.reverse().map((l) => l.stored),
          s,
          ...newer.map((l) => l.stored),
        ]);
      }
    }
    expect(
      (await app.inject({ method: 'GET', url: '/api/logs/999999999/context' })).statusCode,
    ).toBe(404);
  }

  const variants = [
    'legacy',
    'level0',
    'merged',
    'mixed',
    'merged+workers',
    // Every query finds the workers without the packs this thread was told they keep.
    'merged+workers, dropped',
  ] as const;
  for (const variant of variants) {
    it(`answers as the predicate on raw lines: ${variant}`, { timeout: 240_000 }, async () => {
      const workers = variant === 'merged+workers' || variant === 'merged+workers, dropped';
      setPackWorkers(workers ? 2 : 0);
      setRemoteMinBytes(workers ? 0 : null);
      await store(pool, workers ? 'merged' : variant, rows);
      await context();
      let selected = 0;
      await fc.assert(
        fc.asyncProperty(validAst, options, async (ast, o) => {
          const text = print(ast);
          const q = parseQuery(text);
          selected += all.filter((l) => toPredicate(q)(l.stored)).length;
          if (variant === 'merged+workers, dropped') {
            packCache.clear(); // every pack to the workers, which hold none of them
            dropWorkerCaches();
          }
          await check(q, text, o);
        }),
        { numRuns: workers ? 25 : 40, seed: 1117 },
      );
      await check(parseQuery(''), '', {
        limit: 37,
        ranged: false,
        from: 0,
        span: SPAN_S,
        by: 'container',
        short: 9,
        window: 11,
        chars: 1_000_000,
        dropCap: 1_000_000,
        upTo: null,
        after: 3,
      });
      expect(selected).toBeGreaterThan(100);
    });
  }
});

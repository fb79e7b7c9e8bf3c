/**
 * Issue 6, retention size cap (LOGHARBOR_RETENTION_SIZE) on a real PostgreSQL: past the
 * cap the oldest past day partitions go first, and the dropping stops as soon as every
 * partition of `logs` and `log_packs` together (pg_total_relation_size: heap, indexes,
 * TOAST) fits; today, future days and DEFAULT never go. Each day holds both kinds (issue
 * 17): rows stored before packs and packs, so a day goes whole, its packs with its rows,
 * and the cap counts the packs' bytes. Records with times far in the past or future
 * (DEFAULT) still land through the forward listener and stay visible in the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyPacks } from '../../collector/compaction/pack-sql.js';
import { migrate } from '../../core/db/migrate.js';
import { maintainPartitions } from '../../core/db/partitions.js';
import { createPool, type Pool } from '../../core/db/pool.js';
import { encodePack, packsOf, type PackRow } from '../../core/packs/encode.js';
import { newRecord } from '../../core/record.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { pack } from '../support/msgpack-bytes.js';
import { rawClient } from '../support/raw-client.js';

const DAY = 86_400_000;
const NOW = Date.parse('2030-06-15T12:00:00Z');
const PAST = ['logs_20300610', 'logs_20300611', 'logs_20300612', 'logs_20300613', 'logs_20300614'];
const KEPT = ['logs_20300615', 'logs_20300616', 'logs_20300617', 'logs_default'];
const DEFAULTS = ['logs_default', 'log_packs_default'];

/** A day's partitions of `logs` and `log_packs` together, by the `logs` name; DEFAULTs apart. */
async function sizes(pool: Pool): Promise<Map<string, number>> {
  const r = await pool.query<{ name: string; bytes: string }>(
    `SELECT regexp_replace(c.relname, '^log_packs_([0-9]{8})$', 'logs_\\1') AS name,
            sum(pg_total_relation_size(c.oid))::text AS bytes
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent IN ('logs'::regclass, 'log_packs'::regclass)
      GROUP BY 1`,
  );
  return new Map(r.rows.map((row) => [row.name, Number(row.bytes)]));
}

/** Partitions made for these days: the packs' and the legacy rows', day by day. */
const bothTables = (days: string[]) => days.flatMap((d) => [d.replace('logs_', 'log_packs_'), d]);

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

async function rowsPerPartition(pool: Pool): Promise<Record<string, number>> {
  const r = await pool.query<{ part: string; n: number }>(
    `SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM logs GROUP BY 1
     UNION ALL
     SELECT tableoid::regclass::text, sum(rows)::int FROM log_packs GROUP BY 1`,
  );
  return Object.fromEntries(r.rows.map((row) => [row.part, row.n]));
}

/** Level-1 packs of `n` lines from `startIso`, a second apart, as the compactor writes them. */
async function writePacks(pool: Pool, firstId: number, startIso: string, n: number, width: number) {
  const start = Date.parse(startIso) / 1000;
  const rows: PackRow[] = Array.from({ length: n }, (_, g) => ({
    id: firstId + g,
    record: {
      ...newRecord('forward', start + g, 0, `pack ${g} ${'abcdefghij'.repeat(width)}`),
      containerName: 'web',
    },
  }));
  const packs = packsOf(rows).flatMap((group) =>
    Array.from({ length: Math.ceil(group.length / 64) }, (_, i) =>
      encodePack(group.slice(i * 64, i * 64 + 64), { codec: 'deflate', level: 1 }),
    ),
  );
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await copyPacks(client, packs, 1);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}

describe('retention size cap', () => {
  let db: TestDatabase;
  let pool: Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url, { max: 2 });
    await migrate(pool);
    const made = await maintainPartitions(pool, { now: NOW, daysBack: 5, retentionMs: 30 * DAY });
    expect(made.created).toEqual(bothTables([...PAST, ...KEPT.slice(0, 3)]));
    // Rows of different sizes per day (the oldest largest), so a wrong order shows.
    let id = 1;
    const fill = async (startIso: string, rows: number, width: number) => {
      await pool.query(
        `INSERT INTO logs (id, ts, received_at, source, message)
         SELECT $1 + g, $2::timestamptz + g * interval '1 second', now(), 'forward',
                'row ' || g || ' ' || repeat(md5(g::text), $4)
           FROM generate_series(0, $3 - 1) g`,
        [id, startIso, rows, width],
      );
      // What the writer keeps beside the rows: per-minute counts and a skip-index block.
      await pool.query(
        `INSERT INTO log_minutes (minute, n)
         SELECT date_trunc('minute', ts), count(*) FROM logs WHERE id >= $1 GROUP BY 1`,
        [id],
      );
      await pool.query(
        `INSERT INTO container_minutes (container_name, minute, n)
         SELECT 'web', date_trunc('minute', ts), count(*) FROM logs WHERE id >= $1 GROUP BY 2`,
        [id],
      );
      await pool.query(
        `INSERT INTO log_blocks (min_id, max_id, min_ts, max_ts, rows, bloom)
         SELECT min(id), max(id), min(ts), max(ts), count(*), '\\x00'::bytea FROM logs WHERE id >= $1`,
        [id],
      );
      id += rows;
      // And packs of the same day (stored since issue 17), as many lines again.
      await writePacks(pool, id, startIso, rows, width);
      id += rows;
    };
    for (const [i, name] of PAST.entries()) {
      const day = `${name.slice(5, 9)}-${name.slice(9, 11)}-${name.slice(11, 13)}T01:00:00Z`;
      await fill(day, 400 - i * 50, 8);
    }
    await fill('2030-06-15T01:00:00Z', 300, 8); // today
    await fill('2030-06-16T01:00:00Z', 50, 8); // tomorrow
    await fill('1971-03-04T05:06:07Z', 20, 8); // DEFAULT: far past
    await fill('2100-01-01T00:00:00Z', 20, 8); // DEFAULT: far future
    // Sizes must not move between measuring and dropping: no autovacuum (FSM/VM forks).
    for (const name of [...bothTables([...PAST, ...KEPT.slice(0, 3)]), ...DEFAULTS]) {
      await pool.query(
        `ALTER TABLE ${name} SET (autovacuum_enabled = off, toast.autovacuum_enabled = off)`,
      );
    }
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('drops the oldest past days first and stops once under the cap, after the age retention', async () => {
    const before = await sizes(pool);
    const total = sum(before);
    const s = (name: string) => before.get(name) ?? 0;
    // Age (4 days) takes the 10th; the cap then needs the 11th gone too, and no more.
    const cap = total - s('logs_20300610') - s('logs_20300611');
    const report = await maintainPartitions(pool, {
      now: NOW,
      daysBack: 5,
      retentionMs: 4 * DAY,
      retentionBytes: cap,
    });
    expect(report.dropped).toEqual(['logs_20300610']);
    expect(report.droppedForSize).toEqual([{ name: 'logs_20300611', bytes: s('logs_20300611') }]);
    expect(report.created).toEqual([]);
    expect(report.totalBytes).toBe(cap);
    expect(report.overCap).toBe(false);
    const after = await sizes(pool);
    expect(sum(after)).toBeLessThanOrEqual(cap);
    expect([...after.keys()].sort()).toEqual(
      [...PAST.slice(2), ...KEPT, 'log_packs_default'].sort(),
    );
    // Under the cap now: a second run (another process) drops nothing.
    const again = await maintainPartitions(pool, {
      now: NOW,
      daysBack: 2,
      retentionMs: 4 * DAY,
      retentionBytes: cap,
    });
    expect([again.dropped, again.droppedForSize, again.overCap]).toEqual([[], [], false]);
    // The dropped days are gone from the histogram's counts and the skip index too.
    const days = async (table: string, col: string) =>
      (
        await pool.query<{ d: string }>(
          `SELECT DISTINCT to_char(${col} AT TIME ZONE 'UTC', 'YYYYMMDD') AS d FROM ${table} ORDER BY 1`,
        )
      ).rows.map((r) => `logs_${r.d}`);
    const keptDays = [...PAST.slice(2), 'logs_20300615', 'logs_20300616']; // days with rows
    expect(await days('log_minutes', 'minute')).toEqual(
      ['logs_19710304', ...keptDays, 'logs_21000101'].sort(),
    );
    expect(await days('log_blocks', 'min_ts')).toEqual(
      ['logs_19710304', ...keptDays, 'logs_21000101'].sort(),
    );
    expect(await days('container_minutes', 'minute')).toEqual(
      ['logs_19710304', ...keptDays, 'logs_21000101'].sort(),
    );
    // The packs of the dropped days went with their partitions; the others are all there.
    expect(await days('log_packs', 'min_ts')).toEqual(
      ['logs_19710304', ...keptDays, 'logs_21000101'].sort(),
    );
    const packed = await rowsPerPartition(pool);
    for (const d of keptDays) {
      const day = d.replace('logs_', 'log_packs_');
      expect(packed[day], day).toBe(packed[d]);
    }
  });

  it('past a cap nothing can meet, drops every past day but never today, the future or DEFAULT', async () => {
    const before = await sizes(pool);
    const rows = await rowsPerPartition(pool);
    const report = await maintainPartitions(pool, {
      now: NOW,
      daysBack: 2,
      retentionMs: 30 * DAY,
      retentionBytes: 1,
    });
    expect(report.droppedForSize.map((d) => d.name)).toEqual(PAST.slice(2));
    expect(report.overCap).toBe(true);
    const left = [...KEPT, 'log_packs_default'].reduce((a, name) => a + (before.get(name) ?? 0), 0);
    expect(report.totalBytes).toBe(left);
    expect(await rowsPerPartition(pool)).toEqual({
      logs_20300615: rows.logs_20300615,
      logs_20300616: rows.logs_20300616,
      logs_default: 40,
      log_packs_20300615: rows.log_packs_20300615,
      log_packs_20300616: rows.log_packs_20300616,
      log_packs_default: 40,
    });
    // Nothing past is left: a later run has nothing more to drop, and says so again.
    const next = await maintainPartitions(pool, {
      now: NOW,
      daysBack: 0,
      retentionMs: 30 * DAY,
      retentionBytes: 1,
    });
    expect([next.created, next.droppedForSize, next.overCap]).toEqual([[], [], true]);
  });

  it('without a cap measures nothing and drops nothing for size', async () => {
    const r = await maintainPartitions(pool, { now: NOW, daysBack: 0, retentionMs: 30 * DAY });
    expect([r.droppedForSize, r.totalBytes, r.overCap]).toEqual([[], null, false]);
  });
});

describe('far past and far future records under a size cap (forward listener, API)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ LOGHARBOR_RETENTION_SIZE: '1B' });
  });
  afterAll(async () => h.close());

  it('still land in DEFAULT and stay visible after the cap is enforced', async () => {
    // 1971-03-04, 2100-01-01, and a float time past year 9999 (found by fuzzing the
    // decoder: it passes any whole number on; the writer clamps it and keeps the original).
    const times = { farpast: 36_911_167, farfuture: 4_102_444_800, beyond: 1e26 };
    const client = await rawClient(h.forwardPort);
    for (const [word, sec] of Object.entries(times)) {
      await client.write(pack(['app', sec, { log: `retention ${word}` }]));
    }
    const rows = await h.waitForRows(3, `message LIKE 'retention %'`);
    client.end();
    expect(rows.map((r) => [r.message, r.attrs])).toEqual([
      ['retention farpast', null],
      ['retention farfuture', null],
      ['retention beyond', { original_time: 1e26 }],
    ]);
    const report = await maintainPartitions(h.pool, {
      retentionMs: h.cfg.retentionMs,
      retentionBytes: h.cfg.retentionBytes,
    });
    expect(h.cfg.retentionBytes).toBe(1);
    expect(report.overCap).toBe(true);
    // One pack per day of the three times, every one in DEFAULT.
    const where = await h.pool.query<{ part: string; rows: number }>(
      `SELECT tableoid::regclass::text AS part, rows FROM log_packs ORDER BY min_ts`,
    );
    expect(where.rows).toEqual([
      { part: 'log_packs_default', rows: 1 },
      { part: 'log_packs_default', rows: 1 },
      { part: 'log_packs_default', rows: 1 },
    ]);
    for (const q of ['', 'retention', 'farpast OR farfuture OR beyond']) {
      const res = await h.app.inject({
        method: 'GET',
        url: `/api/logs?q=${encodeURIComponent(q)}&from=1970-01-01T00:00:00Z&to=9999-12-31T23:59:59.999Z`,
      });
      expect(res.statusCode).toBe(200);
      const found = (res.json() as { records: { message: string; ts: string }[] }).records;
      expect(found.map((r) => [r.message, r.ts])).toEqual([
        ['retention beyond', '9999-12-31T23:59:59.000000000Z'],
        ['retention farfuture', '2100-01-01T00:00:00.000000000Z'],
        ['retention farpast', '1971-03-04T05:06:07.000000000Z'],
      ]);
    }
  });
});

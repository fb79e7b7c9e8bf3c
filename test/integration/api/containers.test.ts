/**
 * GET /api/containers (issue 18, items 1 and 2): containers known only by id are listed
 * and shown under their name once a record brings both (and id-only lines after that go
 * there too); a time range lists the containers seen in
 * it with their counts there, which must equal what a scan of `logs` counts; `all=1` and
 * no range list every container. Migration 010 fills the new tables from existing rows.
 */
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listContainers } from '../../../api/container-list.js';
import { Writer } from '../../../collector/writer/writer.js';
import { migrate } from '../../../core/db/migrate.js';
import { createPool } from '../../../core/db/pool.js';
import { MIGRATIONS_DIR } from '../../../core/paths.js';
import { silentLogger } from '../../../core/log.js';
import { newRecord, type LogRecord } from '../../../core/record.js';
import { Telemetry } from '../../../core/telemetry.js';
import { createTestDatabase } from '../../support/db.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { storedRows } from '../../../dev/stored-rows.js';

const T = 1_764_000_000; // 2025-11-24T16:00:00Z, a whole minute
const WEB = 'a1'.repeat(32);
const DB = 'b2'.repeat(32);
const ONLY_ID = 'c3'.repeat(6); // a short id that never gets a name

interface Item {
  container_name: string | null;
  container_id: string | null;
  count: number;
  count_in_range: number | null;
  first_seen: string;
  last_seen: string;
}

function rec(dt: number, name: string | null, id: string | null, msg = 'line'): LogRecord {
  return { ...newRecord('syslog', T + dt, 0, msg), containerName: name, containerId: id };
}

describe('GET /api/containers', () => {
  let h: Harness;
  let w: Writer;
  const write = async (records: LogRecord[]) => {
    await w.submit({ records });
  };
  const list = async (qs: string): Promise<Item[]> => {
    const r = await h.app.inject({ method: 'GET', url: `/api/containers${qs}` });
    expect(r.statusCode, r.body).toBe(200);
    return (r.json() as { containers: Item[] }).containers;
  };
  const find = (items: Item[], name: string | null, id?: string) =>
    items.find((c) => c.container_name === name && (id === undefined || c.container_id === id));

  beforeAll(async () => {
    h = await startHarness();
    w = new Writer(
      h.pool,
      { batchSize: 50, flushMs: 0, queueMax: 10_000 },
      silentLogger,
      new Telemetry(),
    );
  });
  afterAll(async () => {
    await w.close();
    await h.close();
  });

  it('lists a container known only by id, and names it when a record brings both', async () => {
    // syslog with the default tag {{.ID}}: the short id only.
    await write([rec(0, null, DB.slice(0, 12)), rec(1, null, DB.slice(0, 12))]);
    await write([rec(2, null, ONLY_ID)]);
    let all = await list('');
    expect(find(all, null, DB.slice(0, 12))).toMatchObject({ count: 2, count_in_range: null });
    expect(find(all, null, ONLY_ID)).toMatchObject({ count: 1 });
    // The fluentd driver (name and full id) for the same container: one row, named.
    await write([rec(60, 'db', DB)]);
    all = await list('');
    expect(find(all, null, DB.slice(0, 12))).toBeUndefined();
    expect(find(all, 'db')).toMatchObject({ container_id: DB, count: 3 });
    expect(all.filter((c) => c.container_id?.startsWith(DB.slice(0, 12)))).toHaveLength(1);
    // Later lines with the id only are counted into the named row, not a new one.
    await write([rec(61, null, DB.slice(0, 12))]);
    all = await list('');
    expect(find(all, 'db')).toMatchObject({ count: 4 });
    expect(find(all, null, DB.slice(0, 12))).toBeUndefined();
  });

  it('lists the containers seen in a range with their counts there, as a scan counts', async () => {
    await write([
      rec(0, 'web', WEB),
      rec(30, 'web', WEB),
      rec(600, 'web', WEB),
      rec(3600, 'web', WEB),
      rec(3660, 'late', null),
      rec(120, null, null, 'from a host, no container'),
      rec(7200, null, WEB.slice(0, 12)), // counted into web's row
    ]);
    const iso = (dt: number) => new Date((T + dt) * 1000).toISOString();
    for (const [from, to] of [
      [0, 60],
      [0, 3600],
      [30, 3700],
      [3600, 7300],
      [-86_400, 86_400],
      [100_000, 100_060],
    ] as const) {
      const items = await list(`?from=${iso(from)}&to=${iso(to)}`);
      // A scan: each record under its name, else under the name of the container with the
      // same short id, else its id; the range rounded out to the minute as the per-minute
      // counts are.
      const lo = iso(Math.floor(from / 60) * 60);
      const scan = await h.pool.query<{ key: string; n: number }>(
        `SELECT coalesce(l.container_name,
                  (SELECT c.container_name FROM containers c
                    WHERE c.container_name IS NOT NULL
                      AND left(c.container_id, 12) = left(l.container_id, 12)
                    ORDER BY c.last_seen DESC LIMIT 1),
                  l.container_id) AS key, count(*)::int AS n
           FROM ${await storedRows(h.pool)} l
          WHERE (l.container_name IS NOT NULL OR l.container_id IS NOT NULL)
            AND l.ts >= $1 AND l.ts < $2
          GROUP BY 1`,
        [lo, iso(to)],
      );
      const want = scan.rows.map((r) => [r.key, r.n]).sort();
      const got = items.map((c) => [c.container_name ?? c.container_id, c.count_in_range]).sort();
      expect(got, `${from}..${to}`).toEqual(want);
    }
    const day = await list(`?from=${iso(-86_400)}&to=${iso(86_400)}`);
    expect(find(day, 'web')!.count_in_range).toBe(5);
    expect(find(day, 'late')!.container_id).toBeNull();
    // all=1 keeps the containers not seen in the range, with 0.
    const quiet = await list(`?from=${iso(100_000)}&to=${iso(100_060)}&all=1`);
    expect(quiet.length).toBe((await list('')).length);
    expect(quiet.every((c) => c.count_in_range === 0)).toBe(true);
  });

  it('defaults a half-given range as the histogram does, and refuses an empty one', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/api/containers?to=now' });
    expect(r.statusCode).toBe(200);
    const bad = await h.app.inject({ method: 'GET', url: '/api/containers?from=1h&to=2h' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('LH_BAD_REQUEST');
  });

  it('keeps the per-minute counts by id exactly as the rows hold them', async () => {
    const a = await h.pool.query(
      `SELECT container_id, sum(n)::int AS n FROM unnamed_container_minutes GROUP BY 1 ORDER BY 1`,
    );
    const b = await h.pool.query(
      `SELECT container_id, count(*)::int AS n FROM ${await storedRows(h.pool)}
        WHERE container_name IS NULL AND container_id IS NOT NULL GROUP BY 1 ORDER BY 1`,
    );
    expect(a.rows).toEqual(b.rows);
    const s = await h.pool.query(
      `SELECT (SELECT sum(n)::int FROM severity_minutes) AS sev, (SELECT count(*)::int FROM ${await storedRows(h.pool)}) AS n`,
    );
    expect(s.rows[0].sev).toBe(s.rows[0].n);
  });
});

describe('migration 010 on existing rows', () => {
  it('lists the containers known only by id and counts them per minute and severity', async () => {
    const db = await createTestDatabase();
    const pool = createPool(db.url, { max: 2 });
    const dir = await mkdtemp(path.join(tmpdir(), 'lh-migrations-'));
    try {
      for (const f of await readdir(MIGRATIONS_DIR))
        if (/^\d+_/.test(f) && Number(f.split('_')[0]) < 10)
          await cp(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
      await migrate(pool, dir);
      await pool.query(
        `INSERT INTO logs (id, ts, received_at, source, container_name, container_id, severity, message) VALUES
           (1, '2025-11-24T16:00:01Z', now(), 'syslog', NULL, 'c3c3c3c3c3c3', 3, 'a'),
           (2, '2025-11-24T16:00:02Z', now(), 'syslog', NULL, 'c3c3c3c3c3c3', NULL, 'b'),
           (3, '2025-11-24T16:01:02Z', now(), 'syslog', NULL, 'a1a1a1a1a1a1', 6, 'c'),
           (4, '2025-11-24T16:01:03Z', now(), 'forward', 'web', '${WEB}', 6, 'd');
         INSERT INTO containers (container_name, container_id, count, first_seen, last_seen)
           VALUES ('web', '${WEB}', 1, now(), now())`,
      );
      await migrate(pool);
      const c = await pool.query(
        'SELECT container_name, container_id, count::int FROM containers ORDER BY 1, 2',
      );
      expect(c.rows).toEqual([
        { container_name: 'web', container_id: WEB, count: 1 },
        { container_name: null, container_id: 'a1a1a1a1a1a1', count: 1 },
        { container_name: null, container_id: 'c3c3c3c3c3c3', count: 2 },
      ]);
      // Listed: web's id-only row inside web.
      const shown = (await listContainers(pool, null)).map((x) => [x.container_name, x.count]);
      expect(shown).toEqual([
        ['web', 2],
        [null, 2],
      ]);
      const m = await pool.query(
        'SELECT container_id, severity, n::int FROM unnamed_container_minutes ORDER BY 1, 2',
      );
      expect(m.rows).toEqual([
        { container_id: 'a1a1a1a1a1a1', severity: 6, n: 1 },
        { container_id: 'c3c3c3c3c3c3', severity: -1, n: 1 },
        { container_id: 'c3c3c3c3c3c3', severity: 3, n: 1 },
      ]);
      const named = await pool.query(
        'SELECT container_name, severity, n::int FROM container_minutes ORDER BY 1, 2',
      );
      expect(named.rows).toEqual([{ container_name: 'web', severity: 6, n: 1 }]);
      const s = await pool.query(
        `SELECT to_char(minute AT TIME ZONE 'UTC', 'HH24:MI') AS m, severity, n::int
           FROM severity_minutes ORDER BY 1, 2`,
      );
      expect(s.rows).toEqual([
        { m: '16:00', severity: -1, n: 1 },
        { m: '16:00', severity: 3, n: 1 },
        { m: '16:01', severity: 6, n: 2 },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await pool.end();
      await db.drop();
    }
  });
});

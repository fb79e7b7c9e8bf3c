/**
 * Search through the blocks (words, containers, time order) must answer exactly what a
 * plain scan answers: random records over many small blocks, random queries, every page
 * compared with the same WHERE run directly on `logs`; likewise the histogram and the
 * context route.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Writer } from '../../../collector/writer/writer.js';
import { silentLogger } from '../../../core/log.js';
import { newRecord, type LogRecord } from '../../../core/record.js';
import { Telemetry } from '../../../core/telemetry.js';
import { parseQuery, toSql } from '../../../api/query/index.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { storedRows } from '../../../dev/stored-rows.js';

const WORDS = [
  'alpha',
  'Bravo',
  'charlie',
  'delta-9',
  'echo',
  'foxtrot',
  'golf',
  'Hôtel',
  'india',
  'juliet',
  'kilo',
  'lima',
];
const T = 1_764_000_000;
/** Container names and their ids; `rare-1` writes one record in 97. */
const CONTAINERS: Record<string, string> = {
  web: 'a'.repeat(64),
  api: 'b'.repeat(64),
  db: 'c'.repeat(64),
  'rare-1': '0123456789ab' + 'd'.repeat(52),
};

describe('search through the skip index', () => {
  let h: Harness;
  /** What the writer stored, as rows (dev/stored-rows.ts). */
  let stored = '';
  beforeAll(async () => {
    h = await startHarness({ LOGHARBOR_API_RATE_LIMIT: '0' }); // hundreds of pages
    const w = new Writer(
      h.pool,
      { batchSize: 50, flushMs: 0, queueMax: 100_000 },
      silentLogger,
      new Telemetry(),
    );
    const rnd = fc.sample(
      fc.tuple(
        fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 3600 }),
        fc.constantFrom('web', 'api', 'db'),
      ),
      { numRuns: 1500, seed: 42 },
    );
    const units: Promise<void>[] = [];
    for (let i = 0; i < rnd.length; i += 25) {
      const records: LogRecord[] = rnd.slice(i, i + 25).map(([words, dt, c], j) => {
        const name = (i + j) % 97 === 0 ? 'rare-1' : c;
        return {
          ...newRecord('forward', T + dt, dt * 1000, words.join(' ')),
          containerName: name,
          containerId: CONTAINERS[name]!,
          stream: dt % 5 === 0 ? 'stderr' : 'stdout',
        };
      });
      units.push(w.submit({ records }));
    }
    await Promise.all(units);
    await w.close();
    stored = await storedRows(h.pool);
  });
  afterAll(async () => h.close());

  const viaApi = async (q: string, limit: number) => {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/logs?q=${encodeURIComponent(q)}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
      const r = await h.app.inject({ method: 'GET', url });
      expect(r.statusCode, r.body).toBe(200);
      const body: { records: { id: string }[]; next_cursor: string | null } = r.json();
      ids.push(...body.records.map((x) => x.id));
      cursor = body.next_cursor;
    } while (cursor);
    return ids;
  };
  const viaScan = async (q: string) => {
    const f = toSql(parseQuery(q));
    return (
      await h.pool.query(
        `SELECT id::text FROM ${stored} WHERE ${f.text} ORDER BY ts DESC, id DESC`,
        f.values,
      )
    ).rows.map((r) => r.id as string);
  };

  it('stored packs of one stream each, every line once', async () => {
    const r = await h.pool.query(
      `SELECT count(*)::int AS n, sum(rows)::int AS rows,
              count(DISTINCT (container_name, stream))::int AS streams FROM log_packs`,
    );
    expect(r.rows[0].rows).toBe(1500);
    // 4 containers x stdout/stderr; the compactor may have merged some packs meanwhile.
    expect(r.rows[0].streams).toBe(8);
    expect(r.rows[0].n).toBeGreaterThanOrEqual(8);
    // The rare container's lines (one in 97) are in packs of their own.
    const c = await h.pool.query(
      `SELECT count(*)::int AS packs, sum(rows)::int AS rows FROM log_packs WHERE container_name = 'rare-1'`,
    );
    expect(c.rows[0].packs).toBeGreaterThan(0);
    expect(c.rows[0].rows).toBe(Math.ceil(1500 / 97));
  });

  it(
    'agrees with a plain scan on random word queries, page by page',
    { timeout: 120_000 },
    async () => {
      const term = fc.oneof(
        fc.constantFrom(...WORDS).map((w) => w.slice(0, 3 + (w.length % 3))),
        fc.constantFrom(...WORDS).map((w) => `"${w.toUpperCase()}"`),
        fc.constantFrom(...WORDS).map((w) => `/${w.slice(1, 5)}/`),
        fc.constantFrom('container:web', 'container:api', '-echo', 'NOT golf', 'ho', 'zzz-never'),
        fc.constantFrom(
          'container:rare-1',
          'container:rare*',
          'container:*',
          '-container:web',
          'container:0123456789ab',
          'container_id:bbb*',
          'stream:stderr',
          'container:nobody',
        ),
      );
      const query = fc.oneof(
        fc.constant(''),
        term,
        fc.tuple(term, term).map(([a, b]) => `${a} ${b}`),
        fc.tuple(term, term).map(([a, b]) => `${a} OR ${b}`),
        fc.tuple(term, term, term).map(([a, b, c]) => `(${a} OR ${b}) ${c}`),
      );
      await fc.assert(
        fc.asyncProperty(query, fc.constantFrom(7, 50, 1000), async (q, limit) => {
          expect(await viaApi(q, limit)).toEqual(await viaScan(q));
        }),
        { numRuns: 60, seed: 7 },
      );
    },
  );

  it('counts the same histogram, bucket by bucket, as a scan does', async () => {
    const from = new Date(T * 1000).toISOString();
    const to = new Date((T + 3700) * 1000).toISOString();
    for (const q of [
      'alpha',
      'ech OR kilo',
      '"HÔTEL" golf',
      'zzz-never',
      'container:rare-1',
      'container:web OR container:rare-1', // per-container minute counts (migration 008)
      'container:web*',
      'stream:stderr',
      '',
    ]) {
      const r = (
        await h.app.inject({
          method: 'GET',
          url: `/api/logs/histogram?q=${encodeURIComponent(q)}&from=${from}&to=${to}&buckets=10`,
        })
      ).json();
      const total = r.buckets.reduce((n: number, b: { count: number }) => n + b.count, 0);
      expect(total, q).toBe((await viaScan(q)).length);
      // Bucket by bucket, as the same WHERE counts them on `logs`.
      const f = toSql(parseQuery(q), 4);
      const origin = Math.floor(Date.parse(from) / r.interval_ms) * r.interval_ms;
      const want = (
        await h.pool.query(
          `SELECT (extract(epoch FROM date_bin($1::interval, ts, $2::timestamptz)) * 1000)::bigint AS b,
                  count(*)::int AS n FROM ${stored} WHERE ts < $3 AND ${f.text} GROUP BY 1`,
          [`${r.interval_ms} milliseconds`, new Date(origin).toISOString(), to, ...f.values],
        )
      ).rows.map((x) => [new Date(Number(x.b)).toISOString(), x.n]);
      const got = r.buckets
        .filter((b: { count: number }) => b.count > 0)
        .map((b: { start: string; count: number }) => [b.start, b.count]);
      expect(got, q).toEqual(want.sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
    }
  });

  it('gives the same context as a scan, both sides, in and out of a container', async () => {
    const anchors = (
      await h.pool.query(
        `SELECT id::text, ts, container_name FROM ${stored} ORDER BY random() LIMIT 12`,
      )
    ).rows as { id: string; ts: Date; container_name: string }[];
    for (const a of anchors) {
      for (const scope of ['source', 'all']) {
        const r = await h.app.inject({
          method: 'GET',
          url: `/api/logs/${a.id}/context?before=7&after=9&scope=${scope}`,
        });
        expect(r.statusCode, r.body).toBe(200);
        const got = r.json().records.map((x: { id: string }) => x.id);
        const same = scope === 'source' ? 'AND container_name = $2' : '';
        const values = scope === 'source' ? [a.id, a.container_name] : [a.id];
        const scan = async (op: string, dir: string, n: number) =>
          (
            await h.pool.query(
              `SELECT id::text FROM ${stored}, (SELECT ts AS ats FROM ${stored} WHERE id = $1) a
                WHERE (ts, id) ${op} (a.ats, $1::bigint) ${same}
                ORDER BY ts ${dir}, id ${dir} LIMIT ${n}`,
              values,
            )
          ).rows.map((x) => x.id as string);
        const want = [
          ...(await scan('<', 'DESC', 7)).reverse(),
          a.id,
          ...(await scan('>', 'ASC', 9)),
        ];
        expect(got, `${a.id} ${scope}`).toEqual(want);
      }
    }
  });
});

/**
 * Search through the trigram skip index must answer exactly what a plain scan answers:
 * random records over many small blocks, random queries, every page compared with the
 * same WHERE run directly on `logs`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Writer } from '../../../collector/writer/writer.js';
import { silentLogger } from '../../../core/log.js';
import { newRecord, type LogRecord } from '../../../core/record.js';
import { Telemetry } from '../../../core/telemetry.js';
import { parseQuery, toSql } from '../../../api/query/index.js';
import { startHarness, type Harness } from '../../support/harness.js';

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

describe('search through the skip index', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    const w = new Writer(
      h.pool,
      { batchSize: 50, flushMs: 0, queueMax: 100_000, blockRows: 64 },
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
      const records: LogRecord[] = rnd.slice(i, i + 25).map(([words, dt, c]) => ({
        ...newRecord('forward', T + dt, dt * 1000, words.join(' ')),
        containerName: c,
      }));
      units.push(w.submit({ records }));
    }
    await Promise.all(units);
    await w.close();
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
        `SELECT id::text FROM logs WHERE ${f.text} ORDER BY ts DESC, id DESC`,
        f.values,
      )
    ).rows.map((r) => r.id as string);
  };

  it('stored many blocks', async () => {
    const r = await h.pool.query(
      'SELECT count(*)::int AS n, sum(rows)::int AS rows FROM log_blocks',
    );
    expect(r.rows[0].n).toBeGreaterThan(15);
    expect(r.rows[0].rows).toBe(1500);
    // Two lanes wrote at once: their blocks' id ranges overlap, the case where a row can
    // be reached through two blocks (search and histogram must count it once).
    const o = await h.pool.query(
      `SELECT count(*)::int AS n FROM log_blocks a JOIN log_blocks b
          ON a.block_id < b.block_id AND a.min_id <= b.max_id AND b.min_id <= a.max_id`,
    );
    expect(o.rows[0].n).toBeGreaterThan(0);
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
      );
      const query = fc.oneof(
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

  it('counts the same histogram through the skip index as a scan does', async () => {
    const from = new Date(T * 1000).toISOString();
    const to = new Date((T + 3700) * 1000).toISOString();
    for (const q of ['alpha', 'ech OR kilo', '"HÔTEL" golf', 'zzz-never']) {
      const r = (
        await h.app.inject({
          method: 'GET',
          url: `/api/logs/histogram?q=${encodeURIComponent(q)}&from=${from}&to=${to}&buckets=10`,
        })
      ).json();
      const total = r.buckets.reduce((n: number, b: { count: number }) => n + b.count, 0);
      expect(total, q).toBe((await viaScan(q)).length);
    }
  });
});

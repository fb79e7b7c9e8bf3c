/**
 * The trigram skip index on a real PostgreSQL, through migrations/003_log_blocks.sql:
 *   - get_bit(bytea, n) numbers bits as core/trigram-bloom.ts writes them (LSB first);
 *   - the SQL of api/query/to-block-filter.ts selects exactly the blocks that the JS
 *     check (bloomHas over needleBitPositions) selects, for random blocks of every folded
 *     size and random valid queries;
 *   - no block holding a matching row is ever ruled out, judged by the tail's predicate
 *     and by PostgreSQL's own ILIKE.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../core/db/migrate.js';
import { createPool, type Pool } from '../../core/db/pool.js';
import {
  BLOOM_BITS,
  BLOOM_MIN_BITS,
  BloomBuilder,
  bloomHas,
  needleBitPositions,
} from '../../core/trigram-bloom.js';
import {
  parseQuery,
  print,
  toPredicate,
  type Filter,
  type Node,
  type Query,
  type StoredRecordLike,
} from '../../api/query/index.js';
import { requiredText } from '../../api/query/regex-literals.js';
import { parseRegex } from '../../core/query/regex/parse.js';
import { toBlockFilter } from '../../api/query/to-block-filter.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { sampleRecord, validAst } from '../unit/query/arbitraries.js';

let db: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  db = await createTestDatabase('lh_bloom');
  pool = createPool(db.url, { max: 2, statementTimeoutMs: 20_000 });
  await migrate(pool);
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

interface Block {
  id: number;
  records: StoredRecordLike[];
  bloom: Buffer;
}

async function store(blocks: Block[]): Promise<void> {
  await pool.query('TRUNCATE log_blocks');
  for (const b of blocks) {
    await pool.query(
      `INSERT INTO log_blocks (block_id, min_id, max_id, min_ts, max_ts, rows, bloom)
       VALUES ($1, $2, $3, now(), now(), $4, $5)`,
      [b.id, b.id * 10_000, b.id * 10_000 + b.records.length, b.records.length, b.bloom],
    );
  }
}

function bloomOf(messages: string[]): Buffer {
  const builder = new BloomBuilder();
  for (const m of messages) builder.add(m);
  return builder.bytes;
}

function makeBlock(id: number, records: StoredRecordLike[]): Block {
  return { id, records, bloom: bloomOf(records.map((r) => r.message)) };
}

async function selected(q: Query): Promise<number[] | null> {
  const f = toBlockFilter(q, 1);
  if (f === null) return null;
  const res = await pool.query<{ block_id: string }>(
    `SELECT block_id FROM log_blocks WHERE ${f.text} ORDER BY block_id`,
    f.values,
  );
  return res.rows.map((r) => Number(r.block_id));
}

/**
 * The rules of to-block-filter.ts written out again, directly over the JS filter: true or
 * false when the filter decides, null when it cannot prune.
 */
function mayHold(f: Filter, ast: Node | null, bloom: Uint8Array): boolean | null {
  switch (f.kind) {
    case 'text': {
      const ps = needleBitPositions(f.needle);
      return ps === null ? null : bloomHas(bloom, ps);
    }
    case 'regex': {
      if (ast?.type !== 'regex') return null;
      const req = requiredText(parseRegex(ast.pattern, ast.ignoreCase));
      return req === null ? null : mayHold(req, null, bloom);
    }
    case 'and':
    case 'or': {
      const paired = ast?.type === f.kind && ast.children.length === f.children.length;
      const r = f.children.map((c, i) => mayHold(c, paired ? ast.children[i]! : null, bloom));
      if (f.kind === 'or') return r.includes(null) ? null : r.includes(true);
      const known = r.filter((x) => x !== null);
      return known.length === 0 ? null : known.every((x) => x);
    }
    default:
      return null;
  }
}

/**
 * Queries that mostly can prune: needles and regexes that the records' messages hold (or
 * nearly), mixed with the query tests' valid trees (fields, NOT, short words).
 */
const NEEDLES = ['error', 'ERR', 'timeout', 'time', 'error 42', 'get /API', 'strasse', 'a b'];
const MORE = ['rre', 'éx', 'out', 'İk', '😀x', 'xyz', 'never seen', '42-', '%_\\'];
const REGEXES = ['err(or)? 42', 'time(out)?', 'GET /api|STRASSE', '\\d+ms', 'é.x', '[Tt]ime'];
const pruningLeaf: fc.Arbitrary<Node> = fc.oneof(
  fc.constantFrom(...NEEDLES, ...MORE).map((value): Node => ({ type: 'text', value })),
  fc
    .record({ pattern: fc.constantFrom(...REGEXES), ignoreCase: fc.boolean() })
    .map((r): Node => ({ type: 'regex', ...r })),
  validAst,
);
const pruningQuery: fc.Arbitrary<Node> = fc.letrec<{ q: Node }>((tie) => ({
  q: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    pruningLeaf,
    pruningLeaf,
    tie('q').map((child): Node => ({ type: 'not', child })),
    fc
      .array(
        tie('q').filter((n) => n.type !== 'and'),
        { minLength: 2, maxLength: 3 },
      )
      .map((children): Node => ({ type: 'and', children })),
    fc
      .array(
        tie('q').filter((n) => n.type !== 'or'),
        { minLength: 2, maxLength: 3 },
      )
      .map((children): Node => ({ type: 'or', children })),
  ),
})).q;

/** Blocks of the query tests' records, plus long ones so that every fold size occurs. */
function randomBlocks(seed: number): Block[] {
  const records = fc.sample(sampleRecord, { numRuns: 240, seed });
  const blocks: Block[] = [];
  for (let i = 0; i < 60; i++) blocks.push(makeBlock(i + 1, records.slice(i * 4, i * 4 + 4)));
  const filler = fc.sample(fc.string({ unit: 'grapheme-ascii', minLength: 40, maxLength: 120 }), {
    numRuns: 3000,
    seed: seed + 1,
  });
  for (const [k, n] of [50, 400, 1500, 3000].entries()) {
    // The query records' messages ride along, so these blocks can also hold matches.
    const rs = [
      ...records.slice(k * 20, k * 20 + 20),
      ...filler.slice(0, n).map((m) => ({ ...records[0]!, message: m })),
    ];
    blocks.push(makeBlock(100 + k, rs));
  }
  return blocks;
}

describe('trigram skip index on PostgreSQL', () => {
  it('reads bits as get_bit does: byte n >> 3, least significant bit first', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
        async (bytes, raw) => {
          const ps = raw.map((p) => p % (bytes.length * 8));
          const res = await pool.query<{ bit: number }>(
            'SELECT get_bit($1::bytea, p) AS bit FROM unnest($2::int[]) WITH ORDINALITY u(p, i) ORDER BY i',
            [Buffer.from(bytes), ps],
          );
          expect(res.rows.map((r) => r.bit)).toEqual(
            ps.map((p) => (bytes[p >> 3]! >> (p & 7)) & 1),
          );
        },
      ),
      { numRuns: 30 },
    );
  });

  it('stores the filter out of line, uncompressed', async () => {
    const res = await pool.query<{ attstorage: string }>(
      `SELECT attstorage FROM pg_attribute WHERE attrelid = 'log_blocks'::regclass AND attname = 'bloom'`,
    );
    expect(res.rows[0]?.attstorage).toBe('e');
  });

  it('selects exactly the blocks the JS check selects, and every block with a match', async () => {
    const seed = Date.now() % 2 ** 31;
    const blocks = randomBlocks(seed);
    const sizes = new Set(blocks.map((b) => b.bloom.length));
    // Folded filters of several sizes, from the smallest to the full one.
    expect(sizes.size).toBeGreaterThanOrEqual(3);
    expect(Math.max(...sizes)).toBe(BLOOM_BITS / 8);
    expect(Math.min(...sizes)).toBe(BLOOM_MIN_BITS / 8);
    await store(blocks);
    let pruned = 0;
    let queries = 0;
    await fc.assert(
      fc.asyncProperty(pruningQuery, async (ast) => {
        const q = parseQuery(print(ast));
        const got = await selected(q);
        const js = q.filter === null ? null : blocks.map((b) => mayHold(q.filter!, q.ast, b.bloom));
        if (got === null) {
          expect(
            js === null || js.every((x) => x === null),
            `records seed ${seed}: ${q.text}`,
          ).toBe(true);
          return;
        }
        queries++;
        const want = blocks.filter((_, i) => js![i] !== false).map((b) => b.id);
        expect(got, `records seed ${seed}: ${q.text}`).toEqual(want);
        pruned += blocks.length - got.length;
        const predicate = toPredicate(q);
        for (const b of blocks) {
          if (b.records.some((r) => predicate(r))) {
            expect(got, `records seed ${seed}: ${q.text} lost block ${b.id}`).toContain(b.id);
          }
        }
      }),
      { numRuns: 200 },
    );
    // Queries did prune: a check that never rules a block out would prove little.
    expect(queries).toBeGreaterThan(30);
    expect(pruned).toBeGreaterThan(1000);
  });

  it('never rules out a block whose rows PostgreSQL ILIKE finds, for any text', async () => {
    const text = fc.string({
      unit: fc.oneof(
        fc.constantFrom('a', 'B', 'c', 'D', ' ', '%', '_', '\\', 'é', 'É', 'ß', 'İ', '€', '😀'),
        fc
          .string({ unit: 'grapheme', minLength: 1, maxLength: 1 })
          .filter((c) => !c.includes('\0')),
      ),
      minLength: 1,
      maxLength: 24,
    });
    const messages = fc.sample(text, { numRuns: 400, seed: 7 });
    const client = await pool.connect();
    try {
      await client.query(
        'CREATE TEMP TABLE block_rows (block_id int, message text COLLATE "C" NOT NULL)',
      );
      await client.query('TRUNCATE log_blocks');
      for (let i = 0; i < 40; i++) {
        const ms = messages.slice(i * 10, i * 10 + 10);
        await client.query('INSERT INTO block_rows SELECT $1, m FROM unnest($2::text[]) m', [
          i + 1,
          ms,
        ]);
        await client.query(
          `INSERT INTO log_blocks (block_id, min_id, max_id, min_ts, max_ts, rows, bloom)
           VALUES ($1, 0, 0, now(), now(), 10, $2)`,
          [i + 1, bloomOf(ms)],
        );
      }
      // Needles cut from the stored messages (by code point), in any ASCII case.
      const needles = fc
        .sample(fc.tuple(fc.nat(399), fc.nat(), fc.integer({ min: 3, max: 10 }), fc.boolean()), {
          numRuns: 150,
          seed: 8,
        })
        .map(([m, from, len, upper]) => {
          const cps = Array.from(messages[m]!);
          const s = cps.slice(from % cps.length, (from % cps.length) + len).join('');
          return upper ? s.replace(/[a-z]/g, (c) => c.toUpperCase()) : s;
        });
      let checked = 0;
      for (const n of needles) {
        if (/^\s*$/.test(n) || n.includes('"')) continue;
        const q = parseQuery(`"${n.replace(/\\/g, '\\\\')}"`);
        const f = toBlockFilter(q, 2);
        if (f === null) continue;
        const like = `%${n.replace(/[\\%_]/g, '\\$&')}%`;
        const res = await client.query<{ lost: number }>(
          `SELECT count(DISTINCT r.block_id)::int AS lost FROM block_rows r
             JOIN log_blocks b USING (block_id)
            WHERE r.message ILIKE $1 AND NOT (${f.text})`,
          [like, ...f.values],
        );
        expect(res.rows[0]?.lost, n).toBe(0);
        checked++;
      }
      expect(checked).toBeGreaterThan(100);
    } finally {
      client.release();
    }
  });
});

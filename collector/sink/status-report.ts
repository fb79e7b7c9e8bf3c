/**
 * A collector's status, written into `collector_status` (migration 009) every
 * STATUS_REPORT_MS, so API processes elsewhere can show it (core/collector-status.ts).
 * While PostgreSQL is away nothing is written: readers see the report grow stale, and an
 * API process in the same process reads the live status instead.
 */
import type { CollectorStatus } from '../../core/collector-status.js';
import type { Pool } from '../../core/db/pool.js';

export async function reportStatus(pool: Pool, s: CollectorStatus): Promise<void> {
  await pool.query(
    `INSERT INTO collector_status (spool_id, host, pid, reported_at, status)
     VALUES ($1, $2, $3, now(), $4)
     ON CONFLICT (spool_id) DO UPDATE
       SET host = excluded.host, pid = excluded.pid, reported_at = now(), status = excluded.status`,
    [s.spool_id, s.host, s.pid, JSON.stringify(s)],
  );
}

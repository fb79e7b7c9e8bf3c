/**
 * The spool sequence numbers a batch stores, as spool_drained rows in its closing query
 * (migration 009): committed with the rows or not at all, so a collector that restarts
 * after a crash at any instant knows exactly which spooled units are stored.
 *
 * A batch whose connection failed may still have committed: PostgreSQL ran the COMMIT and
 * its reply was lost (the database or the network went away at that instant). The writer
 * then writes the batch again with the stored units looked up first (drainedUnits), so
 * they are skipped, not stored twice.
 */
import type { PoolClient } from '../../core/db/pool.js';
import { intLit, textLit } from '../../core/db/sql-text.js';
import { toRanges } from '../sink/drained-ranges.js';
import type { WriteUnit } from './unit.js';

/**
 * The rows for the units' sequence numbers (but those of units in `skip`, already
 * recorded); '' when none came from the spool.
 */
export function drainedSql(
  spoolId: string,
  units: readonly WriteUnit[],
  skip: ReadonlySet<number> = new Set(),
): string {
  const seqs: number[] = [];
  units.forEach((u, i) => {
    if (u.seq !== undefined && !skip.has(i)) seqs.push(u.seq);
  });
  if (seqs.length === 0) return '';
  seqs.sort((a, b) => a - b);
  const id = textLit(spoolId);
  const values = toRanges(seqs).map(([a, b]) => `(${id}, ${intLit(a)}, ${intLit(b)})`);
  return `INSERT INTO spool_drained (spool_id, first_seq, last_seq) VALUES ${values.join(', ')}`;
}

/**
 * The units (by index) whose sequence number spool_drained already holds. Its ranges are
 * disjoint, so the one starting last at or below a number is the only one that can hold it.
 */
export async function drainedUnits(
  client: PoolClient,
  spoolId: string,
  units: readonly WriteUnit[],
): Promise<Set<number>> {
  const seqs = units.map((u) => u.seq ?? null);
  const out = new Set<number>();
  if (seqs.every((s) => s === null)) return out;
  const r = await client.query<{ i: number }>(
    `SELECT i::int - 1 AS i FROM unnest($2::bigint[]) WITH ORDINALITY AS u(seq, i)
      WHERE u.seq IS NOT NULL
        AND (SELECT d.last_seq FROM spool_drained d
              WHERE d.spool_id = $1 AND d.first_seq <= u.seq
              ORDER BY d.first_seq DESC LIMIT 1) >= u.seq`,
    [spoolId, seqs],
  );
  for (const row of r.rows) out.add(row.i);
  return out;
}

/** The closing query failed on a sequence number an earlier commit recorded. */
export function isDrainedSeq(e: unknown): boolean {
  const err = e as { code?: string; constraint?: string };
  return err.code === '23505' && err.constraint === 'spool_drained_pkey';
}

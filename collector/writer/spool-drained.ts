/**
 * The spool sequence numbers a batch stores, as spool_drained rows in its closing query
 * (migration 009): committed with the rows or not at all, so a collector that restarts
 * after a crash at any instant knows exactly which spooled units are stored.
 */
import { intLit, textLit } from '../../core/db/sql-text.js';
import { toRanges } from '../sink/drained-ranges.js';
import type { WriteUnit } from './unit.js';

/** The rows for the units' sequence numbers; '' when none came from the spool. */
export function drainedSql(spoolId: string, units: readonly WriteUnit[]): string {
  const seqs: number[] = [];
  for (const u of units) if (u.seq !== undefined) seqs.push(u.seq);
  if (seqs.length === 0) return '';
  seqs.sort((a, b) => a - b);
  const id = textLit(spoolId);
  const values = toRanges(seqs).map(([a, b]) => `(${id}, ${intLit(a)}, ${intLit(b)})`);
  return `INSERT INTO spool_drained (spool_id, first_seq, last_seq) VALUES ${values.join(', ')}`;
}

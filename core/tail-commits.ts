/**
 * The live tail's contract between writers and API processes (migration 006,
 * docs/architecture.md "The tail's commit feed"): every batch a writer commits leaves one
 * `tail_commits` row, in the batch's own transaction, and a NOTIFY on COMMITS_CHANNEL
 * carrying its xid. API processes LISTEN on that channel, read the rows in xid order
 * below their snapshot's xmin, and publish the records of each (api/tail/commit-feed.ts).
 *
 *   writer: BEGIN; take ids; COPY rows; commitRowSql(xid, committed); COMMIT
 *   api:    LISTEN ─► rows with xid in [W, xmin) ─► records by id range ─► tail clients
 *
 * Rows are kept COMMITS_KEEP_MS for readers that were away (PRUNE_COMMITS_SQL), but the
 * newest is always kept: a starting reader takes its position from it.
 */
import { intLit, msLit, textLit } from './db/sql-text.js';
import { maxEventMs, recordMs, type LogRecord } from './record.js';

/** A committed record and the id it got. */
export interface Committed {
  id: number;
  record: LogRecord;
}

/** The channel API processes LISTEN on. */
export const COMMITS_CHANNEL = 'logharbor_commits';

/** How long `tail_commits` rows are kept for readers that were away. */
export const COMMITS_KEEP_MS = 10 * 60_000;

/** How often a writer prunes `tail_commits`. */
export const PRUNE_COMMITS_EVERY_MS = 60_000;

/** Deletes rows every reader has had time to see, keeping the newest of them ($1: COMMITS_KEEP_MS). */
export const PRUNE_COMMITS_SQL = `WITH old AS (SELECT max(xid) AS keep FROM tail_commits
                WHERE committed_at < now() - $1::int * interval '1 millisecond')
 DELETE FROM tail_commits USING old WHERE xid < old.keep`;

/** A batch's `tail_commits` row and its NOTIFY, as SQL text for the batch's closing query. */
export function commitRowSql(xid: string, committed: Committed[]): string {
  let minMs = Infinity;
  let maxMs = -Infinity;
  for (const c of committed) {
    const ms = recordMs(c.record);
    if (ms < minMs) minMs = ms;
    if (ms > maxMs) maxMs = ms;
  }
  const first = committed[0]!.id;
  const last = committed[committed.length - 1]!.id;
  const x = textLit(xid);
  return `INSERT INTO tail_commits (xid, first_id, last_id, min_ts, max_ts, rows)
    VALUES (${x}, ${intLit(first)}, ${intLit(last)}, ${msLit(minMs)}, ${msLit(maxEventMs(maxMs))}, ${intLit(committed.length)});
    SELECT pg_notify('${COMMITS_CHANNEL}', ${x})`;
}

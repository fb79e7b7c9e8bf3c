/**
 * Values written into simple-protocol SQL text. The writer sends a batch's summaries, its
 * skip-index blocks, its chunk ids, its `tail_commits` row and COMMIT as one multi-statement
 * query (one round trip instead of one per statement: in Docker's one-event-per-request
 * mode, socket writes to PostgreSQL were a third of logharbor's CPU). Every value goes
 * through one of these functions; none of them can end a literal early.
 */
import pg from 'pg';

/**
 * A text literal, or NULL. pg's escapeLiteral doubles quotes and, when the text has a
 * backslash, doubles those too and uses the E'' form, so the result does not depend on
 * `standard_conforming_strings`. The caller passes clean text: the query is sent as a C
 * string, so a NUL would cut it short (records are cleaned of NUL by core/normalize,
 * chunk keys by collector/forward/connection.ts).
 */
export function textLit(s: string | null): string {
  if (s === null) return 'NULL';
  if (s.includes('\0')) throw new TypeError('NUL in SQL text literal');
  return pg.escapeLiteral(s);
}

/** A timestamptz literal from epoch milliseconds. */
export function msLit(ms: number): string {
  return `'${new Date(ms).toISOString()}'::timestamptz`;
}

/** A bytea value that reads the same whatever `standard_conforming_strings` says. */
export function bytesLit(b: Uint8Array): string {
  return `decode('${Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex')}', 'hex')`;
}

/** An integer literal; refuses anything else, so no string can pass as a number. */
export function intLit(n: number): string {
  if (!Number.isSafeInteger(n)) throw new TypeError(`not an integer: ${n}`);
  return String(n);
}

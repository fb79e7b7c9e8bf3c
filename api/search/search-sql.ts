/**
 * The WHERE clause every search-like route shares: the query language's fragment, a
 * time range and (for pages) the keyset cursor, all as bind parameters.
 */
import { Errors, LogharborError } from '../../core/errors.js';
import { parseQuery, toSql, type Query } from '../query/index.js';
import { decodeCursor } from './record-sql.js';
import { parseTimeParam } from './time-range.js';

export interface SearchParams {
  q?: string;
  from?: string;
  to?: string;
  cursor?: string;
}

export interface Where {
  query: Query;
  text: string;
  values: unknown[];
  fromMs: number | null;
  toMs: number | null;
  /** The cursor's time in µs since the epoch, when a cursor was given. */
  cursorUs: string | null;
}

export function buildWhere(p: SearchParams, now = Date.now()): Where {
  const query = parseQuery(p.q ?? '');
  const frag = toSql(query, 1);
  const values = [...frag.values];
  const clauses = frag.text === 'TRUE' ? [] : [`(${frag.text})`];
  const fromMs = p.from ? parseTimeParam('from', p.from, now) : null;
  const toMs = p.to ? parseTimeParam('to', p.to, now) : null;
  if (fromMs !== null) {
    values.push(new Date(fromMs).toISOString());
    clauses.push(`ts >= $${values.length}`);
  }
  if (toMs !== null) {
    values.push(new Date(toMs).toISOString());
    clauses.push(`ts < $${values.length}`);
  }
  let cursorUs: string | null = null;
  if (p.cursor) {
    const c = decodeCursor(p.cursor);
    if (!c) throw new LogharborError(Errors.BAD_REQUEST, 'cursor is not one this API gave out');
    cursorUs = c.tsMicros;
    values.push(c.tsMicros, c.id);
    clauses.push(
      `(ts, id) < (to_timestamp($${values.length - 1}::bigint / 1000000.0), $${values.length}::bigint)`,
    );
  }
  return {
    query,
    text: clauses.length ? clauses.join(' AND ') : 'TRUE',
    values,
    fromMs,
    toMs,
    cursorUs,
  };
}

/**
 * What every search-like read asks for, as data both kinds of storage can answer
 * (docs/architecture.md, "The block index"): the query, a time range, a keyset to start
 * after, an id bound and label equalities. The legacy rows read it as one SQL WHERE over
 * `logs` (whereSql); packs as SQL over their label columns plus the query's predicate on
 * each decoded row (pack-filter.ts, pack-match.ts).
 */
import { Errors, LogharborError } from '../../core/errors.js';
import { parseQuery, toSql, type Query, type SqlFragment } from '../query/index.js';
import { decodeCursor } from './record-sql.js';
import { parseTimeParam } from './time-range.js';

export interface SearchParams {
  q?: string;
  from?: string;
  to?: string;
  cursor?: string;
}

/** A row's place in (ts, id) order: its event time in µs since the epoch, and its id. */
export interface Keyset {
  us: string;
  id: string;
}

/** Label columns a read may pin (the context route's scope); IS NOT DISTINCT FROM. */
export interface SameLabel {
  column: 'container_name' | 'host' | 'app';
  value: string | null;
}

export interface Where {
  query: Query;
  /** ts >= fromMs and ts < toMs (epoch ms), when given. */
  fromMs: number | null;
  toMs: number | null;
  /** Only rows strictly after this one in the walk's order (a page's cursor, an anchor). */
  after: Keyset | null;
  /** Only ids up to this one (the tail's watermark). */
  idMax: string | null;
  same: SameLabel[];
}

/** A Where with nothing but the query. */
export function whereOf(query: Query, more: Partial<Omit<Where, 'query'>> = {}): Where {
  return { query, fromMs: null, toMs: null, after: null, idMax: null, same: [], ...more };
}

export function buildWhere(p: SearchParams, now = Date.now()): Where {
  const query = parseQuery(p.q ?? '');
  const fromMs = p.from ? parseTimeParam('from', p.from, now) : null;
  const toMs = p.to ? parseTimeParam('to', p.to, now) : null;
  let after: Keyset | null = null;
  if (p.cursor) {
    const c = decodeCursor(p.cursor);
    if (!c) throw new LogharborError(Errors.BAD_REQUEST, 'cursor is not one this API gave out');
    after = { us: c.tsMicros, id: c.id };
  }
  return whereOf(query, { fromMs, toMs, after });
}

/** µs since the epoch as exact timestamptz text (to_timestamp goes through a double). */
export function usText(us: string | bigint): string {
  const v = BigInt(us);
  let sec = v / 1_000_000n;
  if (v < sec * 1_000_000n) sec -= 1n;
  const micro = Number(v - sec * 1_000_000n);
  const day = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
  return `${day}.${String(micro).padStart(6, '0')}Z`;
}

/**
 * The WHERE over `logs` columns (numbered from `start`): the query's fragment (to-sql.ts)
 * and the rest; `dir` says which way "after" the keyset is.
 */
export function whereSql(w: Where, dir: 'desc' | 'asc', start = 1): SqlFragment {
  const frag = toSql(w.query, start);
  const values = [...frag.values];
  const clauses = frag.text === 'TRUE' ? [] : [`(${frag.text})`];
  const p = (v: unknown) => {
    values.push(v);
    return `$${start + values.length - 1}`;
  };
  if (w.fromMs !== null) clauses.push(`ts >= ${p(new Date(w.fromMs).toISOString())}`);
  if (w.toMs !== null) clauses.push(`ts < ${p(new Date(w.toMs).toISOString())}`);
  if (w.after !== null) {
    const op = dir === 'desc' ? '<' : '>';
    clauses.push(
      `(ts, id) ${op} (${p(usText(w.after.us))}::timestamptz, ${p(w.after.id)}::bigint)`,
    );
  }
  if (w.idMax !== null) clauses.push(`id <= ${p(w.idMax)}::bigint`);
  for (const s of w.same) clauses.push(`${s.column} IS NOT DISTINCT FROM ${p(s.value)}::text`);
  return { text: clauses.length ? clauses.join(' AND ') : 'TRUE', values };
}

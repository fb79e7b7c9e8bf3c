/**
 * The query language (docs/architecture.md, "The query language"): one pipeline, search and tail:
 *
 *   text ──lexer──► tokens ──parser──► AST ──validate──► Filter ──┬─► toSql       (search)
 *                                      │                          └─► toPredicate (tail)
 *                                      └──printer──► canonical text
 *
 * Errors are LogharborError with code LH_QUERY_SYNTAX or LH_QUERY_TOO_LONG (HTTP 400) and
 * the 1-based column of the offending token.
 */
import type { Query } from './filter.js';
import { parse } from '../../core/query/parser.js';
import { validate } from './validate.js';

export type { Node, Op } from '../../core/query/ast.js';
export type { Filter, Query } from './filter.js';
export { QUERY_LIMITS } from '../../core/query/limits.js';
export { print } from './printer.js';
export { toSql, type SqlFragment } from './to-sql.js';
export { toPredicate, type StoredRecordLike } from './to-predicate.js';

/** Parses and validates `text`; the empty (or all-blank) query matches every record. */
export function parseQuery(text: string): Query {
  const { ast, spans } = parse(text);
  return { text, ast, filter: validate(text, ast, spans) };
}

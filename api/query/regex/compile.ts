/**
 * One `/pattern/flags` of a query compiled for both back ends from one parse, so the tail
 * and the database read the same tree (docs/architecture.md, "The query language": both
 * back ends agree on every record).
 */
import { RegexMatcher } from './dfa.js';
import { parseRegex } from '../../../core/query/regex/parse.js';
import { toPostgresRegex } from './postgres.js';

export interface CompiledRegex {
  /** Backtracking-free matcher for the live tail. */
  matcher: RegexMatcher;
  /** The same pattern as a PostgreSQL ARE, for `message ~ $n`. */
  postgres: string;
}

/** Throws RegexError (with an offset into `pattern`) for anything outside the dialect. */
export function compileRegex(pattern: string, ignoreCase: boolean): CompiledRegex {
  const tree = parseRegex(pattern, ignoreCase);
  return { matcher: new RegexMatcher(tree), postgres: toPostgresRegex(tree) };
}

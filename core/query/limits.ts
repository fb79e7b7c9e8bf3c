/**
 * Hard limits on a query (STYLE.md: every resource has a hard limit). Loki caps its input
 * at 5120 bytes; ours are of the same order. Each one has a test showing the error past it.
 */
export const QUERY_LIMITS = {
  /** Characters (UTF-16 code units) in the whole query. */
  maxLength: 4096,
  /** Nested groups and negations. */
  maxDepth: 32,
  /** Words, phrases, regexes and field filters. */
  maxTerms: 256,
  /** Segments in an `attrs.a.b.c` path. */
  maxPathSegments: 16,
  /** Characters in one regular expression. */
  maxRegexLength: 512,
  /** Largest count in `{n,m}`; PostgreSQL's own ceiling (RE_DUP_MAX) is 255. */
  maxRepeat: 100,
  /**
   * Automaton states after repeats are expanded. Matching costs at most
   * (message length x states) steps, so this bounds the tail's work per record, and it keeps
   * PostgreSQL below its "regular expression is too complex" limit.
   */
  maxRegexStates: 1000,
} as const;

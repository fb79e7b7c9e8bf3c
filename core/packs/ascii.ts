/**
 * ASCII-only lower case, as api/query/filter.ts asciiLower (core cannot import api): the
 * query language folds A-Z only, like ILIKE under the C collation.
 */
export function asciiLowerString(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

/**
 * Hostile queries (issue 4: "answer with a clear 400, never a 500 or a hang"): whatever the
 * text, parseQuery either returns a query whose SQL and predicate work, or throws a
 * LogharborError with status 400 and a column inside the query. The oracle, queryOutcome,
 * is the query-parse fuzz property's (test/fuzz/query.ts), which runs on random and
 * mutated text in CI (test/unit/fuzz.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { parseQuery, toPredicate } from '../../../api/query/index.js';
import { queryOutcome } from '../../fuzz/query.js';
import { rec } from './records.js';

describe('hostile queries', () => {
  it.each([
    ['huge', 'x'.repeat(1_000_000), 'LH_QUERY_TOO_LONG'],
    ['deeply nested', `${'('.repeat(2000)}a${')'.repeat(2000)}`, 'LH_QUERY_TOO_LONG'],
    ['unclosed nesting', '('.repeat(4000), 'LH_QUERY_TOO_LONG'],
    ['negation chain', `${'-'.repeat(4000)}a`, 'LH_QUERY_TOO_LONG'],
    ['NOT chain', `${'NOT '.repeat(1000)}a`, 'LH_QUERY_TOO_LONG'],
    ['many terms', 'a '.repeat(2000), 'LH_QUERY_TOO_LONG'],
    ['catastrophic regex', '/(a+)+$/', 'ok'],
    ['catastrophic regex 2', '/^(([a-z])+.)+[A-Z]([a-z])+$/', 'ok'],
    ['ambiguous alternation', '/(a|a)*b/', 'ok'],
    ['exploding repeat', '/((a{100}){100}){100}/', 'LH_QUERY_TOO_LONG'],
    ['backreference bomb', '/(a*)*\\1/', 'LH_QUERY_SYNTAX'],
    ['regex nesting', `/${'('.repeat(200)}a${')'.repeat(200)}/`, 'LH_QUERY_TOO_LONG'],
    ['SQL injection word', "'; DROP TABLE logs; --", 'LH_QUERY_SYNTAX'],
    ['SQL injection phrase', `"'; DROP TABLE logs; --"`, 'ok'],
    ['SQL in a field', `container:"'); DELETE FROM logs; --"`, 'ok'],
    ['SQL in a path', `attrs."a'b".c:"x' OR 1=1"`, 'ok'],
    ['LIKE metacharacters', '% _ \\ %% \\\\ container:%_\\', 'ok'],
    ['NUL', 'error\u0000', 'LH_QUERY_SYNTAX'],
    ['lone surrogate', 'a\udc00', 'LH_QUERY_SYNTAX'],
    ['unicode', 'İ ß Σ 😀 \u202e \u0301 \ufeff 𝔘', 'ok'],
    ['only operators', 'AND OR NOT', 'LH_QUERY_SYNTAX'],
    ['quote soup', '"\\"\\\\"\\"', 'LH_QUERY_SYNTAX'],
    ['prototype names', '__proto__:x constructor:y', 'LH_QUERY_SYNTAX'],
    ['prototype path', 'attrs.__proto__.polluted:1 attrs.constructor.prototype:1', 'ok'],
  ])('%s', (_name, text, want) => {
    expect(queryOutcome(text)).toBe(want);
  });

  it('keeps the tail predicate free of prototype pollution', () => {
    const q = parseQuery('attrs.__proto__.polluted:1');
    expect(toPredicate(q)(rec({ attrs: JSON.parse('{"__proto__": {"polluted": 1}}') }))).toBe(true);
    expect(toPredicate(q)(rec({ attrs: {} }))).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

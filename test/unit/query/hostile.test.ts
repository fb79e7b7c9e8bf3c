/**
 * Hostile queries (issue 4: "answer with a clear 400, never a 500 or a hang"): whatever the
 * text, parseQuery either returns a query whose SQL and predicate work, or throws a
 * LogharborError with status 400 and a column inside the query.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LogharborError } from '../../../core/errors.js';
import { parseQuery, toPredicate, toSql } from '../../../api/query/index.js';
import { rec } from './records.js';

const SAMPLE = rec({
  message: `${'a'.repeat(5000)}! error 42 😀`,
  container_name: 'web',
  severity: 3,
  attrs: { a: { b: [1, '2', null] }, n: 5 },
});

/** The outcome of one query: 'ok', or the error's code. Anything else fails the test. */
function outcome(text: string): string {
  let q;
  try {
    q = parseQuery(text);
  } catch (e) {
    expect(e).toBeInstanceOf(LogharborError);
    const le = e as LogharborError;
    expect(le.status).toBe(400);
    expect(le.column).toBeGreaterThanOrEqual(1);
    expect(le.column).toBeLessThanOrEqual(text.length + 1);
    return le.code;
  }
  const sql = toSql(q, 1);
  expect(typeof sql.text).toBe('string');
  expect(typeof toPredicate(q)(SAMPLE)).toBe('boolean');
  return 'ok';
}

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
    expect(outcome(text)).toBe(want);
  });

  it('never throws anything else on random text', () => {
    const unit = fc.oneof(
      fc.constantFrom(
        '(',
        ')',
        '"',
        '\\',
        '/',
        '-',
        ':',
        '>',
        '<',
        '=',
        '*',
        '.',
        ' ',
        'AND',
        'OR',
        'NOT',
        'attrs',
        'level',
        'container',
        'a',
        '[',
        ']',
        '{',
        '}',
        '?',
        '+',
        '|',
        '^',
        '$',
        '\u0000',
        '\ud800',
        '😀',
        'é',
      ),
      fc.string({ maxLength: 2 }),
    );
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 40 }), (parts) => {
        outcome(parts.join(''));
      }),
      { numRuns: 5000 },
    );
  });

  it('keeps the tail predicate free of prototype pollution', () => {
    const q = parseQuery('attrs.__proto__.polluted:1');
    expect(toPredicate(q)(rec({ attrs: JSON.parse('{"__proto__": {"polluted": 1}}') }))).toBe(true);
    expect(toPredicate(q)(rec({ attrs: {} }))).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

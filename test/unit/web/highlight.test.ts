/**
 * What the page marks in a line (web/src/highlight.ts, issue 18): the query's words,
 * phrases and regex matches that are not negated, as the server reads the query, found
 * without ever running a user's regex on V8's backtracking engine.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_MARKS, highlighter, merge, type Range } from '../../../web/src/highlight.js';

function marked(q: string, text: string): string[] {
  const hl = highlighter(q);
  return (hl?.ranges(text) ?? []).map(([a, b]) => text.slice(a, b));
}

describe('highlighter', () => {
  it('words and phrases, ASCII letters in any case, every occurrence', () => {
    expect(marked('timeout', 'Timeout after TIMEOUT')).toEqual(['Timeout', 'TIMEOUT']);
    expect(marked('"connection reset"', 'smtp: Connection reset by peer')).toEqual([
      'Connection reset',
    ]);
    // Only A-Z fold, as on the server: É is not é.
    expect(marked('é', 'É é')).toEqual(['é']);
  });

  it('regexes: leftmost-longest matches, the i flag, anchors and word boundaries', () => {
    expect(marked('/err(or)?\\s+\\d+/', 'error 42 and err 7, errors 1')).toEqual([
      'error 42',
      'err 7',
    ]);
    expect(marked('/\\d+/', 'took 1234 ms, 5 tries')).toEqual(['1234', '5']);
    expect(marked('/ERR/i', 'err Err')).toEqual(['err Err'].flatMap((x) => x.split(' ')));
    expect(marked('/^GET/', 'GET /a GET')).toEqual(['GET']);
    expect(marked('/ms$/', 'ms took 3ms')).toEqual(['ms']);
    expect(marked('/\\bid\\b/', 'id idle pid id')).toEqual(['id', 'id']);
    expect(marked('/a\\/b/', 'x a/b y')).toEqual(['a/b']);
  });

  it('negated terms and fields mark nothing; terms inside OR and groups do', () => {
    expect(marked('-timeout', 'timeout')).toEqual([]);
    expect(marked('NOT (timeout OR slow)', 'timeout slow')).toEqual([]);
    expect(marked('container:web level>=warn attrs.x:timeout', 'timeout web')).toEqual([]);
    expect(marked('(slow OR timeout) -fast', 'slow then timeout, fast')).toEqual([
      'slow',
      'timeout',
    ]);
  });

  it('no terms, or a query that does not parse: no highlighter at all', () => {
    expect(highlighter('')).toBeNull();
    expect(highlighter('container:web')).toBeNull();
    expect(highlighter('(unclosed')).toBeNull();
    expect(highlighter('/(?=x)/')).toBeNull();
  });

  it('overlapping matches of several terms join into one mark', () => {
    expect(marked('conn "connection reset" /reset by/', 'connection reset by peer')).toEqual([
      'connection reset by',
    ]);
    expect(
      merge([
        [5, 7],
        [0, 2],
        [2, 3],
        [6, 9],
      ] as Range[]),
    ).toEqual([
      [0, 3],
      [5, 9],
    ]);
  });

  it('a pattern that makes V8 backtrack for hours costs a bounded number of steps here', () => {
    const hl = highlighter('/(a+)+$/')!;
    const text = `${'a'.repeat(2000)}b`;
    const t0 = performance.now();
    expect(hl.ranges(text)).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(2000);
    const hl2 = highlighter('/(x+x+)+y/')!;
    const t1 = performance.now();
    hl2.ranges('x'.repeat(5000));
    expect(performance.now() - t1).toBeLessThan(2000);
  });

  it('a one-letter word in a long text makes at most MAX_MARKS marks', () => {
    expect(highlighter('e')!.ranges('e '.repeat(5000))).toHaveLength(MAX_MARKS);
  });

  it('agrees with V8 on regexes V8 runs safely: same matches as a longest-match search', () => {
    // Literal alternatives and classes, where leftmost-longest is easy to state with V8:
    // at each position the longest of the alternatives that match there.
    const word = fc.constantFrom('ab', 'abc', 'b', 'cab', 'x');
    fc.assert(
      fc.property(
        fc.uniqueArray(word, { minLength: 1, maxLength: 3 }),
        fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'x', ' '), maxLength: 30 }),
        (alts, text) => {
          const longestFirst = [...alts].sort((a, b) => b.length - a.length);
          const expected: string[] = [];
          for (const m of text.matchAll(new RegExp(longestFirst.join('|'), 'g')))
            expected.push(m[0]);
          // Adjacent matches join into one mark: compare the marked text as a whole.
          const got = marked(`/${alts.join('|')}/`, text).join('');
          expect(got).toBe(expected.join(''));
        },
      ),
    );
  });
});

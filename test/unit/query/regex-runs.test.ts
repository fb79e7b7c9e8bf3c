/**
 * The matcher's prefilter (api/query/regex/prefilter.ts, requiredRuns): every text a
 * pattern matches holds every run it derives, so no line is ever skipped that the regex
 * matches. Patterns are sequences of classes with repeats (fixed, open, optional); texts
 * are built to match them, with random text around, and checked against V8 first.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { requiredRuns } from '../../../api/query/regex/prefilter.js';
import { parseRegex } from '../../../core/query/regex/parse.js';

const ATOMS: [string, string[]][] = [
  ['a', ['a']],
  ['m', ['m']],
  ['\\d', ['0', '5', '9']],
  ['[ab]', ['a', 'b']],
  ['\\.', ['.']],
  ['[^a]', ['b', 'x', '.', '1']],
];
const QUANTS: [string, number, number][] = [
  ['', 1, 1],
  ['{2}', 2, 2],
  ['+', 1, 4],
  ['{1,3}', 1, 3],
  ['*', 0, 3],
  ['?', 0, 1],
];

const item = fc.tuple(
  fc.integer({ min: 0, max: ATOMS.length - 1 }),
  fc.integer({ min: 0, max: QUANTS.length - 1 }),
  fc.array(fc.nat(), { minLength: 5, maxLength: 5 }),
);

it('derives only runs that every matching text holds', () => {
  fc.assert(
    fc.property(
      fc.array(item, { minLength: 1, maxLength: 7 }),
      fc.string({ maxLength: 6 }),
      fc.string({ maxLength: 6 }),
      (items, pre, post) => {
        let src = '';
        let built = '';
        for (const [a, q, picks] of items) {
          const [atom, chars] = ATOMS[a]!;
          const [quant, min, max] = QUANTS[q]!;
          src += atom + quant;
          const n = min + (picks[0]! % (max - min + 1));
          for (let i = 0; i < n; i++) built += chars[picks[i + 1]! % chars.length]!;
        }
        const text = pre + built + post;
        expect(new RegExp(src, 'su').test(text)).toBe(true);
        for (const run of requiredRuns(parseRegex(src, false)))
          expect(run.test(text), `${src}: ${run.source} on ${JSON.stringify(text)}`).toBe(true);
      },
    ),
    { numRuns: 3000 },
  );
});

it('finds the runs of a duration pattern', () => {
  expect(
    requiredRuns(parseRegex('\\d{3}\\.\\d+ms', false)).map((r) => r.test('took 123.45ms')),
  ).toEqual([true, true]);
  expect(
    requiredRuns(parseRegex('\\d{3}\\.\\d+ms', false)).some((r) => !r.test('took 12.45ms')),
  ).toBe(true);
});

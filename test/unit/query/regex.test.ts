/**
 * The regex dialect (api/query/regex/): the tail's matcher against V8's RegExp where the
 * two must agree, the PostgreSQL rendering, and the work limit that stops an exploding
 * pattern instead of stalling the process.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LogharborError } from '../../../core/errors.js';
import { compileRegex } from '../../../api/query/regex/compile.js';
import {
  complement,
  foldAsciiCase,
  normalize,
  UNIVERSE,
} from '../../../core/query/regex/charset.js';
import { regexSource } from './arbitraries.js';

describe('regex matcher', () => {
  // On this alphabet V8 (flags s and u) reads every dialect construct as we do: \s \w \d \b
  // are ASCII there, and ASCII letters are the only ones with another case. No astral
  // characters: V8 finds \B between the two halves of a surrogate pair (/\B/u on 'a😀a'),
  // which neither PostgreSQL nor our matcher sees as a position (cases.ts covers astral text).
  const text = fc.string({
    unit: fc.constantFrom(
      'a',
      'b',
      'c',
      'A',
      'B',
      '_',
      '1',
      '9',
      ' ',
      '\n',
      '.',
      '%',
      '/',
      '\\',
      'é',
      'ß',
      'ä',
    ),
    maxLength: 24,
  });

  it('agrees with V8 on every generated pattern and text', () => {
    fc.assert(
      fc.property(
        regexSource,
        fc.boolean(),
        fc.array(text, { minLength: 1, maxLength: 8 }),
        (src, i, texts) => {
          const ours = compileRegex(src, i).matcher;
          const v8 = new RegExp(src, i ? 'siu' : 'su');
          for (const t of texts)
            expect(ours.test(t), `${src} on ${JSON.stringify(t)}`).toBe(v8.test(t));
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('keeps its cache consistent across many texts', () => {
    const r = compileRegex('\\b(err|warn)[a-z]*\\s+\\d{2,4}\\b', true).matcher;
    const v8 = /\b(err|warn)[a-z]*\s+\d{2,4}\b/i;
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom('e', 'r', 'W', 'a', 'n', ' ', '1', '2', 'x', '😀'),
          maxLength: 40,
        }),
        (t) => {
          expect(r.test(t)).toBe(v8.test(t));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('runs the classic catastrophic patterns in linear time', () => {
    const long = `${'a'.repeat(200_000)}!`;
    for (const p of ['(a+)+$', '(a*)*b', '(a|a)*b', '(a|aa)+$', '(.*a){12}b', '^(\\w+\\s?)*$']) {
      expect(compileRegex(p, false).matcher.test(long), p).toBe(false);
    }
  });

  it('matches long lines with ordinary patterns within its work limit', () => {
    const line = `${'GET /api/items user=bob status=200 '.repeat(30_000)}status=503 done`;
    for (const [p, want] of [
      ['status=5\\d\\d', true],
      ['(\\w+=\\w+\\s){3}done', true],
      ['(\\w+=\\w+\\s){4}done', false],
      ['user=\\w+ status=[45]', false],
      ['.{0,99}done$', true],
      ['\\bdone$', true],
    ] as const) {
      expect(compileRegex(p, false).matcher.test(line), p).toBe(want);
      expect(new RegExp(p, 'su').test(line)).toBe(want);
    }
    const cjk = Array.from({ length: 100_000 }, (_, k) =>
      String.fromCodePoint(0x4e00 + ((k * 7919) % 20_000)),
    ).join('');
    expect(compileRegex('.{0,99}z', false).matcher.test(`${cjk}z`)).toBe(true);
  });

  it('refuses, with QUERY_TIMEOUT, a pattern whose automaton explodes on a long line', () => {
    let s = '';
    let x = 12345;
    for (let k = 0; k < 400_000; k++) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      s += x & 0x10000 ? 'a' : 'b';
    }
    const r = compileRegex('[ab]*a[ab]{99}c', false).matcher;
    let err: unknown;
    try {
      r.test(`${s}c`);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LogharborError);
    expect((err as LogharborError).code).toBe('LH_QUERY_TIMEOUT');
    // The limit is per message: a short one still gets its answer.
    expect(r.test(`a${'b'.repeat(99)}c`)).toBe(true);
  });
});

describe('regex for PostgreSQL', () => {
  const pg = (src: string, i = false) => compileRegex(src, i).postgres;

  it('writes every class and non-alphanumeric character explicitly', () => {
    expect(pg('a.b')).toBe('a.b');
    expect(pg('\\.')).toBe('\\u002e');
    expect(pg('\\d+\\s\\w')).toBe('[0-9]+[\\u0009-\\u000d\\u0020][0-9A-Z\\u005fa-z]');
    expect(pg('[^a]')).toBe('[^a]');
    expect(pg('(a|b)c')).toBe('(?:a|b)c');
    expect(pg('(ab)+')).toBe('(?:ab)+');
    expect(pg('é😀')).toBe('\\u00e9\\U0001f600');
    expect(pg('Ab', true)).toBe('[Aa][Bb]');
    expect(pg('x{2,5}?y{3,}')).toBe('x{2,5}y{3,}');
    expect(pg('^\\bz$')).toBe(
      '^(?:(?<=[0-9A-Za-z_])(?![0-9A-Za-z_])|(?<![0-9A-Za-z_])(?=[0-9A-Za-z_]))z$',
    );
  });
});

describe('code point sets', () => {
  it('complement twice is the identity within the universe', () => {
    const range = fc.tuple(
      fc.integer({ min: 0, max: 0x10ffff }),
      fc.integer({ min: 0, max: 0x10ffff }),
    );
    fc.assert(
      fc.property(fc.array(range, { maxLength: 6 }), (rs) => {
        const set = normalize(rs.flatMap(([a, b]) => [Math.min(a, b), Math.max(a, b)]));
        expect(complement(complement(set))).toEqual(set);
      }),
    );
    expect(complement([])).toEqual(UNIVERSE);
  });

  it('folds ASCII letters only', () => {
    expect(foldAsciiCase([0x41, 0x43])).toEqual([0x41, 0x43, 0x61, 0x63]);
    expect(foldAsciiCase([0xc4, 0xc4])).toEqual([0xc4, 0xc4]);
    // Z..a holds Z [ \\ ] ^ _ ` a: adds z and A.
    expect(foldAsciiCase([0x5a, 0x61])).toEqual([0x41, 0x41, 0x5a, 0x61, 0x7a, 0x7a]);
  });
});

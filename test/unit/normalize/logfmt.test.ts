/**
 * core/normalize/structured-line.ts scans logfmt by hand; the regex it replaced is the
 * oracle here. Lines are drawn from the characters where the two could part: key
 * characters, "=", quotes, backslashes, every kind of JS white space and line terminator.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLogfmt, parseStructuredLine } from '../../../core/normalize/structured-line.js';

const LOGFMT_PAIR = /([A-Za-z_][\w.-]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)/g;

function oracle(line: string): Record<string, string> | null {
  if (!/(?:^|\s)(?:level|lvl)=/.test(line)) return null;
  const out: Record<string, string> = {};
  for (const m of line.matchAll(LOGFMT_PAIR)) {
    const raw = m[2]!;
    out[m[1]!] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
  }
  return out;
}

const PIECES = [
  'level=',
  'lvl=',
  ' level=info',
  'a',
  'Z',
  '_',
  '9',
  '.',
  '-',
  '=',
  '"',
  '\\',
  '\\"',
  ' ',
  '\t',
  '\n',
  '\r',
  '\v',
  '\f',
  '\u00a0',
  '\u2000',
  '\u2028',
  '\u2029',
  '\u3000',
  '\ufeff',
  'é',
  '\ud83d\ude00',
  'msg="a b"',
  'k="',
  '\\\n',
  '\\\u2028',
  'x=1',
  '__proto__=',
  'constructor=',
];

const line = fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }).map((a) => a.join(''));

describe('parseLogfmt', () => {
  it('finds what the regex finds, on lines made of the characters where they could differ', () => {
    fc.assert(
      fc.property(line, (l) => {
        expect(parseLogfmt(l)).toEqual(oracle(l));
        const got = parseLogfmt(l);
        if (got) expect(Object.keys(got)).toEqual(Object.keys(oracle(l)!));
      }),
      { numRuns: 5000 },
    );
  });

  it('finds what the regex finds on any string with a level', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), fc.string(), (a, b) => {
        const l = `${a} level=${b}`;
        expect(parseLogfmt(l)).toEqual(oracle(l));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads the usual shapes', () => {
    expect(
      parseLogfmt('time=2025-11-24T16:00:00.185Z level=debug msg="fetched \\"batch\\"" n=95 bare'),
    ).toEqual({
      time: '2025-11-24T16:00:00.185Z',
      level: 'debug',
      msg: 'fetched "batch"',
      n: '95',
    });
    // An unclosed quote leaves the value empty, as the regex does.
    expect(parseLogfmt('level=warn msg="no end')).toEqual({ level: 'warn', msg: '' });
    // So does a backslash before a line terminator, which the regex's "." does not match.
    expect(parseLogfmt('level=warn msg="a\\\nb" c=d')).toEqual({ level: 'warn', msg: '', c: 'd' });
    // A key may start inside a word, after characters that cannot start one.
    expect(parseLogfmt('lvl=1 9a.b-c=x -d=y e f=')).toEqual({
      lvl: '1',
      'a.b-c': 'x',
      d: 'y',
      f: '',
    });
    expect(parseStructuredLine('level=error msg=x')).toEqual({
      fields: { level: 'error', msg: 'x' },
      severity: 3,
    });
    expect(parseLogfmt('no level here')).toBeNull();
  });
});

/**
 * The dialect's tree written out as a PostgreSQL ARE (Advanced Regular Expression, the
 * flavour `~` uses) with every character explicit, so the database's locale and its ARE
 * quirks cannot change the meaning:
 *
 *   - every character except ASCII letters and digits is written `\uXXXX` / `\UXXXXXXXX`
 *     (valid inside and outside brackets), so no user text reaches the ARE as syntax;
 *   - classes are explicit code-point ranges (PostgreSQL's `\d \s \w` follow the locale);
 *   - `i` was already applied as [aA] sets, so `~` (case-sensitive) is the only operator;
 *   - groups are (?:...), since captures do not matter to `~`;
 *   - \b \B become lookbehind/lookahead on [0-9A-Za-z_] (in an ARE, \b is a backspace).
 *
 * ARE defaults that match the tail's engine (nfa.ts): `.` and negated classes match a
 * newline, `^` and `$` anchor the whole string.
 */
import { UNIVERSE, complement, type CharSet } from '../../../core/query/regex/charset.js';
import type { RegexNode } from '../../../core/query/regex/parse.js';

function char(cp: number): string {
  if ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)) {
    return String.fromCodePoint(cp);
  }
  return cp <= 0xffff
    ? `\\u${cp.toString(16).padStart(4, '0')}`
    : `\\U${cp.toString(16).padStart(8, '0')}`;
}

function ranges(set: CharSet): string {
  let out = '';
  for (let i = 0; i < set.length; i += 2) {
    const lo = set[i]!;
    const hi = set[i + 1]!;
    out += lo === hi ? char(lo) : `${char(lo)}-${char(hi)}`;
  }
  return out;
}

function isUniverse(set: CharSet): boolean {
  return set.length === UNIVERSE.length && set.every((v, i) => v === UNIVERSE[i]);
}

function charSet(set: CharSet): string {
  if (set.length === 2 && set[0] === set[1]) return char(set[0]!);
  if (isUniverse(set)) return '.';
  const neg = complement(set);
  // Whichever form is shorter; the negated one also matches surrogates, which no text holds.
  return neg.length < set.length ? `[^${ranges(neg)}]` : `[${ranges(set)}]`;
}

const W = '[0-9A-Za-z_]';
const ASSERTIONS = {
  start: '^',
  end: '$',
  word: `(?:(?<=${W})(?!${W})|(?<!${W})(?=${W}))`,
  notword: `(?:(?<=${W})(?=${W})|(?<!${W})(?!${W}))`,
};

function quantifier(min: number, max: number): string {
  if (max === Infinity) return min === 0 ? '*' : min === 1 ? '+' : `{${min},}`;
  if (min === 0 && max === 1) return '?';
  return min === max ? `{${min}}` : `{${min},${max}}`;
}

function group(s: string): string {
  return `(?:${s})`;
}

/** The ARE for `node`; pass it as a bind parameter to `message ~ $n`. */
export function toPostgresRegex(node: RegexNode): string {
  switch (node.t) {
    case 'set':
      return charSet(node.set);
    case 'assert':
      return ASSERTIONS[node.kind];
    case 'seq':
      return node.items
        .map((n) => (n.t === 'alt' ? group(toPostgresRegex(n)) : toPostgresRegex(n)))
        .join('');
    case 'alt':
      return node.alts.map(toPostgresRegex).join('|');
    case 'repeat': {
      const inner = toPostgresRegex(node.item);
      const atom = node.item.t === 'set' ? inner : group(inner);
      return atom + quantifier(node.min, node.max);
    }
  }
}

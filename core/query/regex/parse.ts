/**
 * The regular-expression dialect of `/.../` (docs/architecture.md, "The query language"): a subset
 * that JavaScript and PostgreSQL's ARE agree on once written out explicitly, parsed into
 * a small tree that both back ends compile (nfa.ts for the tail, postgres.ts for SQL).
 *
 *   literals, `\` + punctuation      . (any character, newline included)
 *   [abc] [^a-z] [\d_]               \d \D \s \S \w \W   (ASCII classes, as in the C locale)
 *   ^ $ (whole message)  \b \B       (word = [A-Za-z0-9_])
 *   (x) (?:x) (?<name>x)  x|y        groups never capture; only "does it match" matters
 *   * + ? {n} {n,} {n,m}  (lazy `?` suffix accepted: it cannot change whether a match exists)
 *   \t \n \r \f \v \xHH \uHHHH \u{H...}
 *   flag i: ASCII letters match either case (as ILIKE does under the C locale)
 *
 * Refused with a message: backreferences and lookaround (no linear-time engine runs them),
 * POSIX classes and other engine-specific escapes, unescaped `{ } ]` where they are not
 * syntax, empty groups and alternatives, and anything over the limits in limits.ts.
 */
import { QUERY_LIMITS } from '../limits.js';
import {
  DIGIT,
  SPACE,
  UNIVERSE,
  WORD,
  complement,
  foldAsciiCase,
  isEmpty,
  normalize,
  type CharSet,
} from './charset.js';

export type RegexNode =
  | { t: 'set'; set: CharSet }
  | { t: 'seq'; items: RegexNode[] }
  | { t: 'alt'; alts: RegexNode[] }
  | { t: 'repeat'; item: RegexNode; min: number; max: number }
  | { t: 'assert'; kind: 'start' | 'end' | 'word' | 'notword' };

/** A problem at `offset` within the pattern (validation turns it into a query column). */
export class RegexError extends Error {
  constructor(
    readonly offset: number,
    message: string,
    readonly tooLarge = false,
  ) {
    super(message);
  }
}

const PUNCTUATION = /[!-/:-@[-`{-~]/;
const MAX_GROUP_DEPTH = 32;

class RegexParser {
  private i = 0;
  private depth = 0;

  constructor(
    private readonly src: string,
    private readonly ignoreCase: boolean,
  ) {}

  parse(): RegexNode {
    const node = this.alt();
    if (this.i < this.src.length) throw new RegexError(this.i, "unmatched ')'");
    return node;
  }

  private fail(message: string, at = this.i): never {
    throw new RegexError(at, message);
  }

  private alt(): RegexNode {
    const alts = [this.seq()];
    while (this.src[this.i] === '|') {
      this.i++;
      alts.push(this.seq());
    }
    return alts.length === 1 ? alts[0]! : { t: 'alt', alts };
  }

  private seq(): RegexNode {
    const items: RegexNode[] = [];
    for (;;) {
      const c = this.src[this.i];
      if (c === undefined || c === '|' || c === ')') break;
      const start = this.i;
      const atom = this.atom();
      items.push(this.quantified(atom, start));
    }
    if (items.length === 0) this.fail('empty alternative: remove the stray | or ()');
    return items.length === 1 ? items[0]! : { t: 'seq', items };
  }

  private quantified(atom: RegexNode, start: number): RegexNode {
    const q = this.quantifier();
    if (q === null) return atom;
    // A bare anchor cannot repeat (JavaScript agrees); a group holding one may, as in (?:^)?.
    if (atom.t === 'assert' && this.src[start] !== '(') {
      this.fail('nothing to repeat: an anchor or \\b cannot take a quantifier', start);
    }
    if (this.src[this.i] === '?') this.i++;
    if (this.quantifierAhead()) this.fail('nothing to repeat: two quantifiers in a row');
    return { t: 'repeat', item: atom, min: q.min, max: q.max };
  }

  private quantifierAhead(): boolean {
    const c = this.src[this.i];
    return c === '*' || c === '+' || c === '?' || (c === '{' && this.bound(false) !== null);
  }

  private quantifier(): { min: number; max: number } | null {
    const c = this.src[this.i];
    if (c === '*' || c === '+' || c === '?') {
      this.i++;
      return c === '*'
        ? { min: 0, max: Infinity }
        : c === '+'
          ? { min: 1, max: Infinity }
          : { min: 0, max: 1 };
    }
    if (c === '{') return this.bound(true);
    return null;
  }

  /** `{n}`, `{n,}` or `{n,m}` at the cursor; consumed only when `consume`. */
  private bound(consume: boolean): { min: number; max: number } | null {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i, this.i + 32));
    if (!m) return null;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    if (consume) {
      const at = this.i;
      if (min > QUERY_LIMITS.maxRepeat || (max !== Infinity && max > QUERY_LIMITS.maxRepeat)) {
        throw new RegexError(at, `repeat count over ${QUERY_LIMITS.maxRepeat}`, true);
      }
      if (max < min) this.fail('repeat range out of order', at);
      this.i += m[0].length;
    }
    return { min, max };
  }

  private atom(): RegexNode {
    const c = this.src[this.i]!;
    switch (c) {
      case '(':
        return this.group();
      case '[':
        return { t: 'set', set: this.charClass() };
      case '.':
        this.i++;
        return this.set(UNIVERSE);
      case '^':
        this.i++;
        return { t: 'assert', kind: 'start' };
      case '$':
        this.i++;
        return { t: 'assert', kind: 'end' };
      case '\\':
        return this.escapeAtom();
      case '*':
      case '+':
      case '?':
        return this.fail('nothing to repeat');
      case '{':
        return this.fail(this.bound(false) ? 'nothing to repeat' : "write a literal '{' as \\{");
      case '}':
      case ']':
        return this.fail(`write a literal '${c}' as \\${c}`);
      default: {
        const cp = this.src.codePointAt(this.i)!;
        this.i += cp > 0xffff ? 2 : 1;
        return this.set([cp, cp]);
      }
    }
  }

  private set(set: CharSet): RegexNode {
    return { t: 'set', set: this.ignoreCase ? foldAsciiCase(set) : set };
  }

  private group(): RegexNode {
    const open = this.i;
    this.i++;
    if (this.src[this.i] === '?') {
      const rest = this.src.slice(this.i, this.i + 3);
      if (rest.startsWith('?:')) this.i += 2;
      else if (/^\?<[=!]/.test(rest) || /^\?[=!]/.test(rest)) {
        this.fail('lookahead and lookbehind are not supported', open);
      } else {
        const named = /^\?<[A-Za-z_][A-Za-z0-9_]*>/.exec(this.src.slice(this.i, this.i + 64));
        if (!named) this.fail('unsupported group syntax after (?', open);
        this.i += named[0].length;
      }
    }
    if (++this.depth > MAX_GROUP_DEPTH) {
      throw new RegexError(open, `groups nested more than ${MAX_GROUP_DEPTH} deep`, true);
    }
    if (this.src[this.i] === ')') this.fail('empty group', open);
    if (this.i >= this.src.length) this.fail("missing ')'", open);
    const inner = this.alt();
    if (this.src[this.i] !== ')') this.fail("missing ')'", open);
    this.i++;
    this.depth--;
    return inner;
  }

  private escapeAtom(): RegexNode {
    const at = this.i;
    const e = this.src[this.i + 1];
    if (e === 'b' || e === 'B') {
      this.i += 2;
      return { t: 'assert', kind: e === 'b' ? 'word' : 'notword' };
    }
    return this.set(this.escape(at, false));
  }

  /** The escape at `at` (a backslash) as a set of code points; advances past it. */
  private escape(at: number, inClass: boolean): CharSet {
    const e = this.src[at + 1];
    this.i = at + 2;
    switch (e) {
      case undefined:
        return this.fail('trailing backslash', at);
      case 'd':
        return DIGIT;
      case 'D':
        return complement(DIGIT);
      case 's':
        return SPACE;
      case 'S':
        return complement(SPACE);
      case 'w':
        return WORD;
      case 'W':
        return complement(WORD);
      case 't':
        return [9, 9];
      case 'n':
        return [10, 10];
      case 'v':
        return [11, 11];
      case 'f':
        return [12, 12];
      case 'r':
        return [13, 13];
      case 'x':
        return this.hexEscape(at, /^[0-9A-Fa-f]{2}/, 2);
      case 'u':
        if (this.src[at + 2] === '{') return this.hexEscape(at, /^\{([0-9A-Fa-f]{1,6})\}/, 2);
        return this.hexEscape(at, /^[0-9A-Fa-f]{4}/, 2);
    }
    if (/[1-9]/.test(e) || e === 'k') return this.fail('backreferences are not supported', at);
    if (e === 'b' && inClass) return this.fail('\\b is not allowed inside [...]', at);
    if (PUNCTUATION.test(e)) return [e.charCodeAt(0), e.charCodeAt(0)];
    return this.fail(`unsupported escape \\${e}`, at);
  }

  private hexEscape(at: number, re: RegExp, from: number): CharSet {
    const m = re.exec(this.src.slice(at + from, at + from + 8));
    if (!m) return this.fail('malformed hexadecimal escape', at);
    const cp = parseInt(m[1] ?? m[0], 16);
    if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return this.fail('escape names no valid character (NUL and surrogates are refused)', at);
    }
    this.i = at + from + m[0].length;
    return [cp, cp];
  }

  /** `[...]` at the cursor, negation applied after case folding (so [^a] with i excludes A). */
  private charClass(): CharSet {
    const open = this.i;
    this.i++;
    const negate = this.src[this.i] === '^';
    if (negate) this.i++;
    const parts: number[] = [];
    for (;;) {
      const c = this.src[this.i];
      if (c === undefined) this.fail("missing ']'", open);
      if (c === ']') break;
      const lo = this.classAtom();
      if (
        this.src[this.i] === '-' &&
        this.src[this.i + 1] !== ']' &&
        this.src[this.i + 1] !== undefined
      ) {
        const dash = this.i;
        this.i++;
        const hi = this.classAtom();
        if (!isSingle(lo) || !isSingle(hi))
          this.fail('a range needs a single character at each end', dash);
        if (lo[0]! > hi[0]!) this.fail('range out of order', dash);
        parts.push(lo[0]!, hi[0]!);
      } else {
        parts.push(...lo);
      }
    }
    this.i++;
    if (parts.length === 0) this.fail('empty character class', open);
    let set = normalize(parts);
    if (this.ignoreCase) set = foldAsciiCase(set);
    if (negate) set = complement(set);
    if (isEmpty(set)) this.fail('character class matches nothing', open);
    return set;
  }

  private classAtom(): CharSet {
    const at = this.i;
    const c = this.src[at]!;
    if (c === '\\') return this.escape(at, true);
    if (c === '[') this.fail("write a literal '[' inside [...] as \\[");
    const cp = this.src.codePointAt(at)!;
    this.i += cp > 0xffff ? 2 : 1;
    return [cp, cp];
  }
}

function isSingle(set: CharSet): boolean {
  return set.length === 2 && set[0] === set[1];
}

/** Parses `pattern` (the text between the slashes); throws RegexError with an offset. */
export function parseRegex(pattern: string, ignoreCase: boolean): RegexNode {
  if (pattern.length > QUERY_LIMITS.maxRegexLength) {
    throw new RegexError(
      QUERY_LIMITS.maxRegexLength,
      `regular expression longer than ${QUERY_LIMITS.maxRegexLength} characters`,
      true,
    );
  }
  return new RegexParser(pattern, ignoreCase).parse();
}

/**
 * Query text to tokens, each with its 0-based offset (docs/architecture.md, "The query language").
 *
 *   (  )                        grouping
 *   AND  OR  NOT                keywords, upper case only: `or` and `not` are searchable words
 *   -term                       negation, when `-` directly precedes a term
 *   word  "a phrase"            text; phrases know two escapes, \" and \\
 *   /regex/  /regex/i           a regular expression; `\/` stands for a slash
 *   name:value  name>=value     a field filter; also <= > <; the value may be quoted
 *   attrs.a."b.c":value         a path inside attrs; quote segments that are not [A-Za-z0-9_-]+
 *
 * A word runs to the next space, parenthesis or double quote. A run that starts like
 * `name:` (or `name.seg:`) is a field filter whatever the name; validation then rejects
 * unknown names, telling the user to quote text that contains a colon.
 */
import type { Op } from './ast.js';
import { syntaxError } from './query-error.js';

export type Token =
  | { kind: 'lparen' | 'rparen' | 'and' | 'or' | 'not' | 'eof'; start: number }
  | { kind: 'text'; start: number; value: string }
  | { kind: 'regex'; start: number; pattern: string; ignoreCase: boolean }
  | {
      kind: 'field';
      start: number;
      valueStart: number;
      name: string;
      path: string[];
      op: Op;
      value: string;
    };

const SPACE = new Set([' ', '\t', '\n', '\r', '\f', '\v']);

function isSpace(c: string | undefined): boolean {
  return c !== undefined && SPACE.has(c);
}

/** Characters that end a bare word or a bare field value. */
function isDelimiter(c: string | undefined): boolean {
  return c === undefined || SPACE.has(c) || c === '(' || c === ')' || c === '"';
}

const IDENT_START = /[A-Za-z_]/;
const IDENT = /[A-Za-z0-9_]/;
const SEGMENT = /[A-Za-z0-9_-]/;

const KEYWORDS = new Map<string, 'and' | 'or' | 'not'>([
  ['AND', 'and'],
  ['OR', 'or'],
  ['NOT', 'not'],
]);

class Lexer {
  private pos = 0;
  readonly tokens: Token[] = [];

  constructor(private readonly text: string) {}

  run(): Token[] {
    const t = this.text;
    for (;;) {
      while (isSpace(t[this.pos])) this.pos++;
      const start = this.pos;
      const c = t[start];
      if (c === undefined) break;
      if (c === '(') this.single('lparen');
      else if (c === ')') this.single('rparen');
      else if (c === '"') {
        const { value, end } = this.quoted(start);
        this.pos = end;
        this.tokens.push({ kind: 'text', start, value });
      } else if (c === '/') this.regex(start);
      else if (c === '-') this.minus(start);
      else if (!this.field(start)) this.word(start);
    }
    this.tokens.push({ kind: 'eof', start: t.length });
    return this.tokens;
  }

  private single(kind: 'lparen' | 'rparen'): void {
    this.tokens.push({ kind, start: this.pos });
    this.pos++;
  }

  private minus(start: number): void {
    const next = this.text[start + 1];
    if (next === undefined || isSpace(next) || next === ')') {
      throw syntaxError(this.text, start, "'-' must be followed directly by a term, as in -word");
    }
    this.tokens.push({ kind: 'not', start });
    this.pos = start + 1;
  }

  /** A double-quoted string starting at `start`; returns its value and the offset after it. */
  private quoted(start: number): { value: string; end: number } {
    const t = this.text;
    let value = '';
    let i = start + 1;
    for (;;) {
      const c = t[i];
      if (c === undefined) throw syntaxError(t, start, 'unterminated quoted text: missing "');
      if (c === '"') return { value, end: i + 1 };
      if (c === '\\') {
        const e = t[i + 1];
        if (e !== '"' && e !== '\\') {
          throw syntaxError(t, i, 'unknown escape in quoted text: only \\" and \\\\ are allowed');
        }
        value += e;
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
  }

  private regex(start: number): void {
    const t = this.text;
    let pattern = '';
    let i = start + 1;
    for (;;) {
      const c = t[i];
      if (c === undefined)
        throw syntaxError(t, start, 'unterminated regular expression: missing /');
      if (c === '/') break;
      if (c === '\\') {
        const e = t[i + 1];
        if (e === undefined)
          throw syntaxError(t, start, 'unterminated regular expression: missing /');
        // `\/` is how a slash is written inside /.../; every other escape is the regex's own.
        pattern += e === '/' ? '/' : c + e;
        i += 2;
      } else {
        pattern += c;
        i++;
      }
    }
    if (pattern === '') throw syntaxError(t, start, 'empty regular expression');
    i++;
    let ignoreCase = false;
    if (t[i] === 'i') {
      ignoreCase = true;
      i++;
    }
    if (!isDelimiter(t[i])) {
      throw syntaxError(
        t,
        i,
        "unexpected character after a regular expression (the only flag is 'i')",
      );
    }
    this.tokens.push({ kind: 'regex', start, pattern, ignoreCase });
    this.pos = i;
  }

  /** `name(.segment)*op value`, or false (nothing consumed) when the run is not a field. */
  private field(start: number): boolean {
    const t = this.text;
    let i = start;
    if (!IDENT_START.test(t[i] ?? '')) return false;
    while (IDENT.test(t[i] ?? '')) i++;
    const name = t.slice(start, i);
    const path: string[] = [];
    while (t[i] === '.') {
      if (t[i + 1] === '"') {
        const { value, end } = this.quoted(i + 1);
        path.push(value);
        i = end;
      } else {
        const segStart = i + 1;
        let j = segStart;
        while (SEGMENT.test(t[j] ?? '')) j++;
        if (j === segStart) return false;
        path.push(t.slice(segStart, j));
        i = j;
      }
    }
    const op = readOp(t, i);
    if (op === null) return false;
    i += op.length;
    const valueStart = i;
    let value: string;
    if (t[i] === '"') {
      const q = this.quoted(i);
      value = q.value;
      i = q.end;
    } else {
      while (!isDelimiter(t[i])) i++;
      value = t.slice(valueStart, i);
      if (value === '') {
        throw syntaxError(
          t,
          valueStart,
          `missing value after '${t.slice(start, valueStart)}' (to search for text containing '${op}', put it in quotes)`,
        );
      }
    }
    this.tokens.push({ kind: 'field', start, valueStart, name, path, op, value });
    this.pos = i;
    return true;
  }

  private word(start: number): void {
    const t = this.text;
    let i = start;
    while (!isDelimiter(t[i])) i++;
    const value = t.slice(start, i);
    const keyword = KEYWORDS.get(value);
    this.tokens.push(keyword ? { kind: keyword, start } : { kind: 'text', start, value });
    this.pos = i;
  }
}

function readOp(t: string, i: number): Op | null {
  const two = t.slice(i, i + 2);
  if (two === '>=' || two === '<=') return two;
  const one = t[i];
  if (one === ':' || one === '>' || one === '<') return one;
  return null;
}

/** Splits `text` into tokens ending with `eof`; throws QUERY_SYNTAX with the column. */
export function lex(text: string): Token[] {
  return new Lexer(text).run();
}

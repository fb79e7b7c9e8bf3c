/**
 * Tokens to a syntax tree by hand-written recursive descent (STYLE.md: no parser generator
 * for a grammar this small). Precedence NOT > AND > OR; juxtaposition is AND:
 *
 *   query   := or? EOF
 *   or      := and ('OR' and)*
 *   and     := unary ('AND'? unary)*
 *   unary   := ('NOT' | '-') unary | primary
 *   primary := '(' or ')' | text | regex | field
 *
 * Chains of one operator are flattened, so `(a b) c` and `a b c` give the same tree; a
 * group holding one term is that term. Input size, nesting depth and term count are capped
 * (limits.ts) before they can cost anything.
 */
import type { Node, Span, Spans } from './ast.js';
import { lex, type Token } from './lexer.js';
import { QUERY_LIMITS } from './limits.js';
import { limitError, syntaxError } from './query-error.js';

export interface ParseResult {
  /** null for an empty query, which matches everything. */
  ast: Node | null;
  spans: Spans;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Refuses what no token may hold, before lexing: oversize input, NUL, broken UTF-16. */
function checkInput(text: string): void {
  if (text.length > QUERY_LIMITS.maxLength) {
    throw limitError(
      text,
      QUERY_LIMITS.maxLength,
      `query is ${text.length} characters; the limit is ${QUERY_LIMITS.maxLength}`,
    );
  }
  const nul = text.indexOf('\0');
  // PostgreSQL text cannot hold NUL, and no stored message contains one.
  if (nul >= 0) throw syntaxError(text, nul, 'the query contains a NUL character');
  const lone = LONE_SURROGATE.exec(text);
  if (lone) throw syntaxError(text, lone.index, 'the query is not valid Unicode (lone surrogate)');
}

class Parser {
  private i = 0;
  private depth = 0;
  private terms = 0;
  readonly spans: Spans = new WeakMap();

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  private peek(): Token {
    // lex() always ends with an eof token, and the parser never moves past it.
    return this.tokens[this.i] ?? { kind: 'eof', start: this.text.length };
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  parseQuery(): Node | null {
    if (this.peek().kind === 'eof') return null;
    const node = this.or();
    const t = this.peek();
    if (t.kind === 'rparen')
      throw syntaxError(this.text, t.start, "unexpected ')' with no '(' before it");
    if (t.kind !== 'eof') throw syntaxError(this.text, t.start, 'unexpected token');
    return node;
  }

  private or(): Node {
    const children = [this.and()];
    while (this.peek().kind === 'or') {
      const op = this.next();
      this.expectTerm(op, "'OR'");
      children.push(this.and());
    }
    return combine('or', children);
  }

  private and(): Node {
    const children = [this.unary()];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'and') {
        this.next();
        this.expectTerm(t, "'AND'");
      } else if (t.kind === 'or' || t.kind === 'rparen' || t.kind === 'eof') {
        break;
      }
      children.push(this.unary());
    }
    return combine('and', children);
  }

  /** After an operator, a term must follow (not EOF, ')' or another binary operator). */
  private expectTerm(op: Token, name: string): void {
    const t = this.peek();
    if (t.kind === 'eof' || t.kind === 'rparen' || t.kind === 'and' || t.kind === 'or') {
      throw syntaxError(this.text, op.start, `${name} must be followed by a term`);
    }
  }

  private enter(t: Token): void {
    if (++this.depth > QUERY_LIMITS.maxDepth) {
      throw limitError(this.text, t.start, `nested more than ${QUERY_LIMITS.maxDepth} levels deep`);
    }
  }

  private unary(): Node {
    const t = this.peek();
    if (t.kind !== 'not') return this.primary();
    this.next();
    this.expectTerm(t, this.text[t.start] === '-' ? "'-'" : "'NOT'");
    this.enter(t);
    const node: Node = { type: 'not', child: this.unary() };
    this.depth--;
    this.spans.set(node, { start: t.start, valueStart: t.start });
    return node;
  }

  private primary(): Node {
    const t = this.next();
    switch (t.kind) {
      case 'lparen': {
        this.enter(t);
        if (this.peek().kind === 'rparen')
          throw syntaxError(this.text, t.start, 'empty parentheses');
        const node = this.or();
        const close = this.next();
        if (close.kind !== 'rparen') {
          throw syntaxError(this.text, t.start, "missing ')' to close this '('");
        }
        this.depth--;
        return node;
      }
      case 'text':
        return this.term(t, { type: 'text', value: t.value }, t.start);
      case 'regex':
        return this.term(
          t,
          { type: 'regex', pattern: t.pattern, ignoreCase: t.ignoreCase },
          t.start + 1,
        );
      case 'field':
        return this.term(
          t,
          { type: 'field', name: t.name, path: t.path, op: t.op, value: t.value },
          t.valueStart,
        );
      case 'rparen':
        throw syntaxError(this.text, t.start, "unexpected ')'");
      case 'and':
      case 'or':
        throw syntaxError(this.text, t.start, `'${t.kind.toUpperCase()}' needs a term before it`);
      default:
        throw syntaxError(this.text, t.start, 'expected a term');
    }
  }

  private term(t: Token, node: Node, valueStart: number): Node {
    if (++this.terms > QUERY_LIMITS.maxTerms) {
      throw limitError(this.text, t.start, `more than ${QUERY_LIMITS.maxTerms} terms`);
    }
    const span: Span = { start: t.start, valueStart };
    this.spans.set(node, span);
    return node;
  }
}

/** One child stands alone; same-operator children are spliced in (associativity). */
function combine(type: 'and' | 'or', children: Node[]): Node {
  if (children.length === 1) return children[0]!;
  const flat: Node[] = [];
  for (const c of children) {
    if (c.type === type) flat.push(...c.children);
    else flat.push(c);
  }
  return { type, children: flat };
}

/** Query text to a syntax tree; throws LogharborError (QUERY_SYNTAX / QUERY_TOO_LONG) with a column. */
export function parse(text: string): ParseResult {
  checkInput(text);
  const parser = new Parser(text, lex(text));
  const ast = parser.parseQuery();
  return { ast, spans: parser.spans };
}

/**
 * Click to filter (issue 18): a value shown on the page (a container, a level, a field of
 * the line, a JSON or attrs value) becomes a `field:value` term added to the query, or
 * `-field:value` to leave such lines out. Terms are written the way the lexer reads them
 * (core/query/lexer.ts): a value or attrs path segment is quoted, with `\"` and `\\`,
 * when its bare form would end early or read differently. `*` stays a wildcard in field
 * values whatever the quoting (api/query/README.md), so a value holding one matches more.
 *
 * Adding a term the query already has at its top level does nothing; adding the opposite
 * (`-x` over `x`) replaces it. A query whose top level is an OR is put in parentheses
 * first, so the new term narrows all of it.
 */
import { lex, type Token } from '../../core/query/lexer.js';
import { SEVERITY_NAMES } from '../../core/record.js';

const BARE_SEGMENT = /^[A-Za-z0-9_-]+$/;

function quote(s: string): string {
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}

/** `name:value` or `attrs.a."b c":value`, quoted where the lexer needs it. */
export function fieldTerm(name: string, value: string, path: readonly string[] = []): string {
  const p = path.map((s) => `.${BARE_SEGMENT.test(s) ? s : quote(s)}`).join('');
  const bare = value !== '' && !/[\s()"]/.test(value);
  return `${name}${p}:${bare ? value : quote(value)}`;
}

/** `level:error` for a severity number 0-7. */
export function levelTerm(severity: number): string | null {
  const name = SEVERITY_NAMES[severity];
  return name === undefined ? null : `level:${name}`;
}

type FieldToken = Extract<Token, { kind: 'field' }>;

function fieldOf(term: string): FieldToken | null {
  try {
    const t = lex(term);
    return t.length === 2 && t[0]!.kind === 'field' ? t[0]! : null;
  } catch {
    return null;
  }
}

function sameField(a: FieldToken, b: FieldToken): boolean {
  return (
    a.name === b.name &&
    a.op === b.op &&
    a.value === b.value &&
    a.path.length === b.path.length &&
    a.path.every((s, i) => s === b.path[i])
  );
}

/**
 * `q` with the term `term` (as fieldTerm writes it) added, or its negation when `exclude`.
 * A query that does not lex gets the term appended: the server then names its error.
 */
export function withTerm(q: string, term: string, exclude: boolean): string {
  const add = exclude ? `-${term}` : term;
  const want = fieldOf(term);
  const base = q.trim();
  if (base === '') return add;
  let tokens: Token[];
  try {
    tokens = lex(base);
  } catch {
    return `${base} ${add}`;
  }
  let depth = 0;
  let topOr = false;
  let found: { start: number; end: number; negated: boolean } | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'lparen') depth++;
    else if (t.kind === 'rparen') depth--;
    else if (t.kind === 'or' && depth === 0) topOr = true;
    else if (t.kind === 'field' && depth === 0 && want && sameField(t, want) && !found) {
      const prev = tokens[i - 1];
      const negated = prev?.kind === 'not';
      const start = negated ? prev.start : t.start;
      const end = start + base.slice(start, tokens[i + 1]!.start).trimEnd().length;
      found = { start, end, negated };
    }
  }
  if (topOr) return `(${base}) ${add}`;
  if (found === null) return `${base} ${add}`;
  if (found.negated === exclude) return base;
  const rest = [base.slice(0, found.start).trimEnd(), base.slice(found.end).trimStart()]
    .filter((x) => x !== '')
    .join(' ');
  return rest === '' ? add : `${rest} ${add}`;
}

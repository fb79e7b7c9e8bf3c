/**
 * A validated query with its meaning resolved (level names to numbers, globs split,
 * numbers canonical, regexes compiled): the one input of both back ends, to-sql.ts and
 * to-predicate.ts. Every leaf is two-valued: a NULL column or a missing attrs path makes
 * the leaf false (so `-container:web` keeps rows with no container name).
 */
import type { Node } from '../../core/query/ast.js';
import type { CompiledRegex } from './regex/compile.js';

/** Record columns a field filter can name directly. */
export type Column =
  'container_id' | 'project' | 'service' | 'host' | 'tag' | 'app' | 'stream' | 'source';

export type StringMatch =
  | { kind: 'exact'; value: string }
  /** `*` wildcards: the text between them, in order; first and last are anchored. */
  | { kind: 'glob'; parts: string[] }
  /** A value of only `*`: the field has any (non-null) value. */
  | { kind: 'present' };

export type Comparison = '>=' | '<=' | '>' | '<';

export type AttrTest =
  | {
      kind: 'eq';
      match: StringMatch;
      /** Canonical number text when the value is a finite number, else null. */
      number: string | null;
      /** Also matches a JSON boolean whose text is the value ('true' / 'false'). */
      boolean: boolean;
    }
  | { kind: 'cmp'; op: Comparison; number: string };

export type Filter =
  | { kind: 'and'; children: Filter[] }
  | { kind: 'or'; children: Filter[] }
  | { kind: 'not'; child: Filter }
  /** Case-insensitive (ASCII) substring of message; `needle` is already lowered. */
  | { kind: 'text'; needle: string }
  | { kind: 'regex'; regex: CompiledRegex }
  | { kind: 'column'; column: Column; match: StringMatch }
  /** container_name matches, or container_id starts with `idPrefix`. */
  | { kind: 'container'; name: StringMatch; idPrefix: string | null }
  /** min <= severity <= max (numeric syslog severity; may be an empty range). */
  | { kind: 'severity'; min: number; max: number }
  | { kind: 'attr'; path: string[]; test: AttrTest };

/**
 * ASCII-only lower case. PostgreSQL's ILIKE under the C locale (the embedded server's, and
 * what logharbor's tables declare) folds only A-Z; JavaScript's toLowerCase() would also
 * fold 'Ä', 'Σ' or 'İ' and the tail would disagree with search.
 */
export function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

/** A field value to a StringMatch: `*` is the only wildcard. */
export function stringMatch(value: string): StringMatch {
  if (!value.includes('*')) return { kind: 'exact', value };
  const parts = value.split('*');
  if (parts.every((p) => p === '')) return { kind: 'present' };
  return { kind: 'glob', parts };
}

/**
 * Plain decimal text, compared by number when it sits in a string (logfmt and Docker send
 * every value as a string): both back ends read it as the same double, since PostgreSQL's
 * float8 input and JavaScript's Number() both round correctly. One source for both engines.
 */
export const NUMERIC_STRING_SOURCE = '^-?[0-9]{1,20}([.][0-9]{1,20})?$';
export const NUMERIC_STRING = new RegExp(NUMERIC_STRING_SOURCE);

/** Number syntax accepted in a query value. */
export const NUMBER_LITERAL = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/;

/** What parseQuery returns: the text, its syntax tree and its resolved filter. */
export interface Query {
  text: string;
  ast: Node | null;
  /** null for the empty query, which matches every record. */
  filter: Filter | null;
}

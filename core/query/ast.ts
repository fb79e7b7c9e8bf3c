/**
 * A query's syntax tree (docs/architecture.md, "The query language"), kept apart from the lexer,
 * the parser and the printer as Loki's pkg/logql/syntax does. It records what was written,
 * not what it means: `validate.ts` checks field names and values and resolves them into a
 * `Filter` (filter.ts) that both back ends compile.
 *
 * Words and phrases are one node type (`text`): both mean "case-insensitive substring of
 * the message", and the printer quotes a value only when it must, so parse(print(ast))
 * gives back the same tree.
 */

/** `:` is equality (or a glob with `*`); the others compare severities and numbers. */
export type Op = ':' | '>=' | '<=' | '>' | '<';

export const OPS: readonly Op[] = [':', '>=', '<=', '>', '<'];

export type Node =
  /** Two or more children; never directly holds another `and` (the parser flattens). */
  | { type: 'and'; children: Node[] }
  /** Two or more children; never directly holds another `or`. */
  | { type: 'or'; children: Node[] }
  | { type: 'not'; child: Node }
  | { type: 'text'; value: string }
  /** `pattern` is the text between the slashes with `\/` already turned into `/`. */
  | { type: 'regex'; pattern: string; ignoreCase: boolean }
  /** `name` is any identifier (validation rejects unknown ones); `path` is set only under `attrs`. */
  | { type: 'field'; name: string; path: string[]; op: Op; value: string };

/** Where a node came from: 0-based offsets into the query text, for error columns. */
export interface Span {
  start: number;
  /** Where the value (field value, regex pattern) begins. */
  valueStart: number;
}

export type Spans = WeakMap<Node, Span>;

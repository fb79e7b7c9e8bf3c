/**
 * The text every message a query selects must contain, as an and/or tree of lowered
 * needles: the words and phrases of the query and the literals its regexes cannot match
 * without (api/query/regex-literals.ts). A pack's Bloom filter is probed for it
 * (pack-filter.ts), and a decoded pack's text column is scanned for it before the
 * predicate runs on any row (pack-match.ts). Null: the query requires no text.
 *
 *   text       the needle                   and   AND of the children that require text
 *   regex      its required literals        or    OR, only when every child requires text
 *   not, fields, levels: nothing
 */
import type { Node } from '../../core/query/ast.js';
import { parseRegex } from '../../core/query/regex/parse.js';
import type { Filter, Query } from '../query/filter.js';
import { requiredText } from '../query/regex-literals.js';

/** A filter made only of `and`, `or` and `text` nodes. */
export type Required = Filter;

/**
 * `ast` is the syntax node `f` was validated from, or null (validate.ts maps and/or/not/
 * text/regex one to one, as to-block-filter.ts reads it); only regex leaves need it.
 */
export function requiredOf(f: Filter, ast: Node | null): Required | null {
  switch (f.kind) {
    case 'text':
      return f;
    case 'regex': {
      if (ast?.type !== 'regex') return null;
      return requiredText(parseRegex(ast.pattern, ast.ignoreCase));
    }
    case 'and':
    case 'or': {
      const same = ast?.type === f.kind && ast.children.length === f.children.length;
      const parts = f.children.map((c, i) => requiredOf(c, same ? ast.children[i]! : null));
      const known = parts.filter((p) => p !== null);
      if (f.kind === 'or' && known.length < parts.length) return null;
      if (known.length === 0) return null;
      return known.length === 1 ? known[0]! : { kind: f.kind, children: known };
    }
    default:
      return null;
  }
}

export function requiredOfQuery(q: Query): Required | null {
  return q.filter === null ? null : requiredOf(q.filter, q.ast);
}

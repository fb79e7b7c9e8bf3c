/**
 * A query to a parameterized SQL condition over one `log_blocks` row (migrations 003 and
 * 007): false only when no row of the block can match, judged from the block's trigram
 * Bloom filter (core/trigram-bloom.ts) and its list of container names and ids. The
 * search reads the rows of the blocks that pass; null means the query cannot rule out
 * any block (every block in the time range is read).
 *
 *   text       every full-size bit of the needle's trigrams is set (under 3 bytes: TRUE)
 *   regex      the same for the literal runs every match contains (regex-literals.ts)
 *   container  a listed name matches (or a listed id starts with the prefix); a block
 *              whose list is NULL (not known) passes
 *   container_id  a listed id matches, likewise
 *   and        AND of the children that prune (the rest are TRUE)
 *   or         OR, only when every child prunes; else nothing
 *   not        nothing: a block may hold rows without the word whatever its filter says
 *   other fields  TRUE
 *
 * Needles under one AND share one int[] parameter (their positions' union), so each block
 * is read once per AND, as
 *
 *   NOT EXISTS (SELECT 1 FROM (SELECT bloom || '' AS bits OFFSET 0) f, unnest($n) p
 *               WHERE get_bit(f.bits, p) = 0)
 *
 * `||` makes one detoasted copy (OFFSET 0 keeps the planner from inlining it back), because
 * get_bit() on a TOASTed column fetches the whole value again on every call: on 10k
 * blocks the plain NOT EXISTS (... get_bit(bloom, p) = 0) was 1.5-5x slower, and 38x for
 * a 90-position needle that every block passes (bench/bloom.ts); a chain of
 * get_bit(bloom, $1[i]) = 1 AND ... has the same flaw. Probing two bits through substring()
 * first (it fetches one TOAST chunk) helped only on sparse 32 KiB filters, which folding
 * no longer leaves, and cost time elsewhere.
 *
 * A filter folded to L bytes holds full-size position p at p / (BLOOM_BITS / 8 / L).
 * Positions are integers computed here; they still travel as parameters like all
 * query-derived values (to-sql.ts).
 */
import { needleIdPositions } from '../../core/id-bloom.js';
import { BLOOM_BITS, needleBitPositions } from '../../core/trigram-bloom.js';
import type { Node } from '../../core/query/ast.js';
import type { Filter, Query, StringMatch } from './filter.js';
import { requiredText } from './regex-literals.js';
import { parseRegex, type RegexNode } from '../../core/query/regex/parse.js';
import { escapeLike, type SqlFragment } from './to-sql.js';

/**
 * Needles are cut to this many UTF-16 units: any piece of a required text is required, and
 * 256 characters already rule out nearly every block; it bounds the positions per query.
 */
export const MAX_NEEDLE_CHARS = 256;

/** Which of a block's lists a container test reads (migration 007). */
type List = 'containers' | 'container_ids';

/**
 * Conditions over one block, before SQL: a set of bits that must all be set, a test of
 * one of its container lists, and/or.
 */
type Prune =
  | { kind: 'bits'; positions: Set<number> }
  | { kind: 'list'; list: List; match: StringMatch }
  | { kind: 'and' | 'or'; parts: Prune[] };

/** Cut without splitting a surrogate pair (a lone half would encode as U+FFFD). */
function cut(needle: string): string {
  if (needle.length <= MAX_NEEDLE_CHARS) return needle;
  const end = MAX_NEEDLE_CHARS;
  const c = needle.charCodeAt(end - 1);
  return needle.slice(0, c >= 0xd800 && c <= 0xdbff ? end - 1 : end);
}

/** The full-size bit positions of `text` cut to MAX_NEEDLE_CHARS; null under 3 bytes. */
export function needlePositions(text: string): number[] | null {
  return needleBitPositions(cut(text));
}

/**
 * The full-size positions of `text`'s hex windows (core/id-bloom.ts) in a pack's id
 * filter, cut as above; null when it has none. Blocks have no id filter: packs only.
 */
export function needleIdProbe(text: string): number[] | null {
  return needleIdPositions(cut(text));
}

function needle(text: string): Prune | null {
  const positions = needlePositions(text);
  if (positions === null) return null;
  return { kind: 'bits', positions: new Set(positions) };
}

/** AND: the bits of every needle under it become one set. */
function all(parts: Prune[]): Prune | null {
  const flat = parts.flatMap((p) => (p.kind === 'and' ? p.parts : [p]));
  const bits = flat.filter((p) => p.kind === 'bits');
  const out: Prune[] = flat.filter((p) => p.kind !== 'bits');
  if (bits.length > 1) {
    out.unshift({ kind: 'bits', positions: new Set(bits.flatMap((b) => [...b.positions])) });
  } else out.unshift(...bits);
  if (out.length === 0) return null;
  return out.length === 1 ? out[0]! : { kind: 'and', parts: out };
}

/** The regex tree behind a regex filter: its AST node holds the validated pattern. */
function regexTree(ast: Node | null): RegexNode | null {
  if (ast?.type !== 'regex') return null;
  return parseRegex(ast.pattern, ast.ignoreCase);
}

/**
 * `ast` is the syntax node `f` was validated from (validate.ts maps and/or/not/text/regex
 * one to one), or null when unknown; only regex leaves read it, to reach the pattern's
 * tree, which the compiled regex does not keep.
 */
function prune(f: Filter, ast: Node | null): Prune | null {
  switch (f.kind) {
    case 'and':
    case 'or': {
      const kids = ast?.type === f.kind && ast.children.length === f.children.length;
      const parts = f.children.map((c, i) => prune(c, kids ? ast.children[i]! : null));
      const pruning = parts.filter((p) => p !== null);
      if (f.kind === 'and') return all(pruning);
      return pruning.length === parts.length ? { kind: 'or', parts: pruning } : null;
    }
    case 'text':
      return needle(f.needle);
    case 'regex': {
      const tree = regexTree(ast);
      const required = tree === null ? null : requiredText(tree);
      return required === null ? null : prune(required, null);
    }
    case 'container': {
      const name: Prune = { kind: 'list', list: 'containers', match: f.name };
      if (f.idPrefix === null) return name;
      const id: Prune = {
        kind: 'list',
        list: 'container_ids',
        match: { kind: 'glob', parts: [f.idPrefix, ''] },
      };
      return { kind: 'or', parts: [name, id] };
    }
    case 'column':
      return f.column === 'container_id'
        ? { kind: 'list', list: 'container_ids', match: f.match }
        : null;
    default:
      return null;
  }
}

class BlockSqlBuilder {
  readonly values: unknown[] = [];
  private readonly bloom: string;

  /** `alias`: the log_blocks row's name in the query ('' for bare columns). */
  constructor(
    private next: number,
    private readonly alias: string,
  ) {
    this.bloom = this.column('bloom');
  }

  private column(name: string): string {
    return this.alias ? `${this.alias}.${name}` : name;
  }

  private param(value: unknown): string {
    this.values.push(value);
    return `$${this.next++}`;
  }

  /** Some element of the list matches (to-sql.ts matches a row's column the same way). */
  private list(list: List, m: StringMatch): string {
    const col = this.column(list);
    let test: string;
    switch (m.kind) {
      case 'exact':
        test = `${this.param(m.value)}::text = ANY(${col})`;
        break;
      case 'glob':
        test =
          `EXISTS (SELECT 1 FROM unnest(${col}) AS lh_c ` +
          `WHERE lh_c LIKE ${this.param(m.parts.map(escapeLike).join('%'))})`;
        break;
      case 'present':
        test = `cardinality(${col}) > 0`;
    }
    return `(${col} IS NULL OR ${test})`;
  }

  build(p: Prune): string {
    if (p.kind === 'list') return this.list(p.list, p.match);
    if (p.kind !== 'bits') {
      return `(${p.parts.map((c) => this.build(c)).join(p.kind === 'and' ? ' AND ' : ' OR ')})`;
    }
    this.values.push([...p.positions].sort((a, b) => a - b));
    return bloomHasSql(this.bloom, `$${this.next++}`);
  }
}

/**
 * "The filter in column `bloom` has every full-size position of the int[] `param`" (the
 * test explained above; also run on log_packs.bloom, api/search/pack-filter.ts). A filter
 * folded to L bytes holds position p at p / (BLOOM_BITS / 8 / L).
 */
export function bloomHasSql(bloom: string, param: string): string {
  const scaled = `(lh_pos / (${BLOOM_BITS / 8} / octet_length(lh_bloom.bits)))`;
  return (
    `NOT EXISTS (SELECT 1 FROM (SELECT ${bloom} || ''::bytea AS bits OFFSET 0) lh_bloom, ` +
    `unnest(${param}::int[]) AS lh_pos WHERE get_bit(lh_bloom.bits, ${scaled}) = 0)`
  );
}

/**
 * The condition "this block may hold a match" over a `log_blocks` row, numbering its
 * parameters from `startParam` as toSql does; `alias` qualifies the block's columns when
 * the query joins. Null when the query cannot rule out any block.
 */
export function toBlockFilter(query: Query, startParam = 1, alias = ''): SqlFragment | null {
  if (query.filter === null) return null;
  const p = prune(query.filter, query.ast);
  if (p === null) return null;
  const b = new BlockSqlBuilder(startParam, alias);
  return { text: b.build(p), values: b.values };
}

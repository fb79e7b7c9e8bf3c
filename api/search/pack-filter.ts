/**
 * A query as SQL over one `log_packs` row (migration 012): whether the pack may hold a
 * match (`may`), and whether every row of it matches (`all`). A pack is one stream: its
 * labels (source, host, container, stream, tag, app, project, service) are the same on
 * every row and stored as columns, so a field filter on them is decided exactly in SQL,
 * `-container:web` included; the message is judged by the pack's trigram Bloom filter
 * (the same bit test as log_blocks', api/query/to-block-filter.ts), levels and attrs not
 * at all. Three-valued in spirit, two-valued in SQL:
 *
 *   leaf on a label   may = all = the leaf (to-sql.ts's text), NULL read as false
 *   text, regex       may = the Bloom filters hold the required text (required-text.ts):
 *                     the trigram filter, and the id filter for hex runs of 8+ digits
 *                     (core/id-bloom.ts); all = false
 *   level, attrs      may = true; all = false
 *   and / or          may and all of the children, each combined the same way
 *   not               may = NOT all(child); all = NOT may(child)
 *
 * `may` may only err towards true (the rows are tested again after decoding); `all` only
 * towards false. The histogram counts a pack with `all` without testing its rows.
 */
import type { Node } from '../../core/query/ast.js';
import type { Filter, Query } from '../query/filter.js';
import { bloomHasSql, needleIdProbe, needlePositions } from '../query/to-block-filter.js';
import { toSql, type SqlFragment } from '../query/to-sql.js';
import { requiredOf, type Required } from './required-text.js';
import { usText, type Where } from './search-sql.js';

/**
 * A condition before SQL: constants fold away (and with them the parameters their SQL
 * would have taken, which is why leaves render only once the tree is final).
 */
type Cond =
  | boolean
  | { kind: 'leaf'; render: () => string }
  | { kind: 'and' | 'or'; parts: Cond[] }
  | { kind: 'not'; c: Cond };

function and(parts: Cond[]): Cond {
  if (parts.includes(false)) return false;
  const rest = parts.filter((p) => p !== true);
  return rest.length === 0 ? true : rest.length === 1 ? rest[0]! : { kind: 'and', parts: rest };
}

function or(parts: Cond[]): Cond {
  if (parts.includes(true)) return true;
  const rest = parts.filter((p) => p !== false);
  return rest.length === 0 ? false : rest.length === 1 ? rest[0]! : { kind: 'or', parts: rest };
}

function not(c: Cond): Cond {
  return typeof c === 'boolean' ? !c : { kind: 'not', c };
}

function leaf(render: () => string): Cond {
  return { kind: 'leaf', render };
}

function sql(c: Cond): string {
  if (typeof c === 'boolean') return c ? 'TRUE' : 'FALSE';
  switch (c.kind) {
    case 'leaf':
      return c.render();
    case 'not':
      return `(NOT ${sql(c.c)})`;
    default:
      return `(${c.parts.map(sql).join(c.kind === 'and' ? ' AND ' : ' OR ')})`;
  }
}

class PackSqlBuilder {
  readonly values: unknown[] = [];

  constructor(private readonly start: number) {}

  param(v: unknown): string {
    this.values.push(v);
    return `$${this.start + this.values.length - 1}`;
  }

  /** A leaf over label columns, as the rows' SQL reads it (to-sql.ts), NULL as false. */
  private label(f: Filter): Cond {
    return leaf(() => {
      const frag = toSql({ text: '', ast: null, filter: f }, this.start + this.values.length);
      this.values.push(...frag.values);
      return `coalesce(${frag.text}, false)`;
    });
  }

  /**
   * The Bloom filters hold the required text: needles under one AND share one probe of the
   * trigram filter and one of the id filter (a pack without one, id_bloom NULL, passes it).
   */
  bloom(r: Required): Cond {
    if (r.kind === 'text')
      return and([this.probe(needlePositions(r.needle)), this.idProbe(needleIdProbe(r.needle))]);
    if (r.kind === 'or') return or(r.children.map((c) => this.bloom(c)));
    if (r.kind !== 'and') return true;
    const bits = new Set<number>();
    const ids = new Set<number>();
    const rest: Cond[] = [];
    for (const c of r.children) {
      if (c.kind === 'text') {
        for (const p of needlePositions(c.needle) ?? []) bits.add(p);
        for (const p of needleIdProbe(c.needle) ?? []) ids.add(p);
      } else rest.push(this.bloom(c));
    }
    return and([
      this.probe(bits.size > 0 ? [...bits] : null),
      this.idProbe(ids.size > 0 ? [...ids] : null),
      ...rest,
    ]);
  }

  private probe(positions: number[] | null): Cond {
    if (positions === null) return true;
    const sorted = [...positions].sort((a, b) => a - b);
    return leaf(() => bloomHasSql('bloom', this.param(sorted)));
  }

  private idProbe(positions: number[] | null): Cond {
    if (positions === null) return true;
    const sorted = [...positions].sort((a, b) => a - b);
    return leaf(() => `(id_bloom IS NULL OR ${bloomHasSql('id_bloom', this.param(sorted))})`);
  }

  may(f: Filter, ast: Node | null): Cond {
    switch (f.kind) {
      case 'and':
      case 'or': {
        const same = ast?.type === f.kind && ast.children.length === f.children.length;
        const parts = f.children.map((c, i) => this.may(c, same ? ast.children[i]! : null));
        return f.kind === 'and' ? and(parts) : or(parts);
      }
      case 'not':
        return not(this.all(f.child, ast?.type === 'not' ? ast.child : null));
      case 'text':
      case 'regex': {
        const r = requiredOf(f, ast);
        return r === null ? true : this.bloom(r);
      }
      case 'column':
      case 'container':
        return this.label(f);
      case 'severity':
        return f.min <= f.max;
      case 'attr':
        return true;
    }
  }

  all(f: Filter, ast: Node | null): Cond {
    switch (f.kind) {
      case 'and':
      case 'or': {
        const same = ast?.type === f.kind && ast.children.length === f.children.length;
        const parts = f.children.map((c, i) => this.all(c, same ? ast.children[i]! : null));
        return f.kind === 'and' ? and(parts) : or(parts);
      }
      case 'not':
        return not(this.may(f.child, ast?.type === 'not' ? ast.child : null));
      case 'column':
      case 'container':
        return this.label(f);
      default:
        return false;
    }
  }
}

export interface PackConditions {
  /** The WHERE over log_packs columns (unqualified): the pack may hold a wanted row. */
  may: string;
  /** A boolean over the same row: every row of the pack matches the query. */
  all: string;
  values: unknown[];
}

/**
 * The conditions on packs for `where`, parameters numbered from `start`: the query's, then
 * the time range, the keyset (`dir` says which side), the id bound and the labels pinned.
 * A pack's min_ts is its earliest row's time rounded down to the ms and its max_ts past its
 * latest (core/record.ts maxEventMs), so each test keeps every pack that holds such a row.
 */
export function packConditions(where: Where, dir: 'desc' | 'asc', start = 1): PackConditions {
  const b = new PackSqlBuilder(start);
  const q: Query = where.query;
  const c: Cond[] = [q.filter === null ? true : b.may(q.filter, q.ast)];
  const p = (v: unknown) => b.param(v);
  if (where.fromMs !== null) {
    const from = new Date(where.fromMs).toISOString();
    c.push(leaf(() => `max_ts >= ${p(from)}`));
  }
  if (where.toMs !== null) {
    const to = new Date(where.toMs).toISOString();
    c.push(leaf(() => `min_ts < ${p(to)}`));
  }
  const after = where.after;
  if (after !== null) {
    const t = () => `${p(usText(after.us))}::timestamptz`;
    c.push(leaf(() => (dir === 'desc' ? `min_ts <= ${t()}` : `max_ts >= ${t()}`)));
  }
  const idMax = where.idMax;
  if (idMax !== null) c.push(leaf(() => `min_id <= ${p(idMax)}::bigint`));
  for (const s of where.same) {
    c.push(leaf(() => `${s.column} IS NOT DISTINCT FROM ${p(s.value)}::text`));
  }
  // Rendered in this order, so the parameters of `all` follow those of `may`.
  const may = sql(and(c));
  const all = sql(q.filter === null ? true : b.all(q.filter, q.ast));
  return { may, all, values: b.values };
}

/** For tests: the query's `may` alone, as a fragment. */
export function packMaySql(q: Query, start = 1): SqlFragment {
  const b = new PackSqlBuilder(start);
  return { text: sql(q.filter === null ? true : b.may(q.filter, q.ast)), values: b.values };
}

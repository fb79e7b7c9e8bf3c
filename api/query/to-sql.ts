/**
 * Filter to a parameterized SQL WHERE fragment over the `logs` table (docs/architecture.md, "The
 * record"). User text only ever travels in `values` as bind parameters: words, globs and
 * paths are escaped inside the parameter value, never spliced into the SQL text.
 *
 * Agreement with to-predicate.ts, row for row:
 *   - NULLs: a leaf over a NULL column is NULL, which WHERE treats as false; AND and OR keep
 *     that (a formula without NOT is true under SQL's three values exactly when it is true
 *     with NULL read as false), and NOT is written `(x) IS NOT TRUE`, so NOT of a NULL leaf
 *     is true, as in the tail.
 *   - case: ILIKE folds A-Z only under the C locale; the tail folds A-Z only (filter.ts).
 *     Declare the text columns COLLATE "C" (or use a C database) to keep this everywhere.
 *   - attrs: `#>` with a text[] path, as the tail's walk in to-predicate.ts; comparisons
 *     are guarded by jsonb_typeof and a digits check, so no value makes a cast fail.
 */
import {
  NUMERIC_STRING_SOURCE,
  type AttrTest,
  type Filter,
  type Query,
  type StringMatch,
} from './filter.js';

export interface SqlFragment {
  text: string;
  values: unknown[];
}

/** LIKE's metacharacters (with the default escape, backslash) made literal. */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, '\\$&');
}

class SqlBuilder {
  readonly values: unknown[] = [];

  constructor(private next: number) {}

  private param(value: unknown, cast = ''): string {
    this.values.push(value);
    return `$${this.next++}${cast}`;
  }

  private match(column: string, m: StringMatch): string {
    switch (m.kind) {
      case 'exact':
        // `= ANY` rather than `=`: a top-level `column = value` becomes an equivalence
        // class, which the planner re-adds after the other tests, so `message ILIKE` ran
        // first on every row (container + word over 20,000 rows: 29 ms against 7 ms).
        return `${column} = ANY(ARRAY[${this.param(m.value)}])`;
      case 'glob':
        return `${column} LIKE ${this.param(m.parts.map(escapeLike).join('%'))}`;
      case 'present':
        return `${column} IS NOT NULL`;
    }
  }

  private attr(path: string[], test: AttrTest): string {
    const p = this.param(path, '::text[]');
    const json = `attrs #> ${p}`;
    const text = `attrs #>> ${p}`;
    if (test.kind === 'cmp') {
      const op = test.op;
      return (
        `(CASE jsonb_typeof(${json}) ` +
        `WHEN 'number' THEN (${text})::numeric ${op} ${this.param(test.number, '::numeric')} ` +
        `WHEN 'string' THEN CASE WHEN ${text} ~ '${NUMERIC_STRING_SOURCE}' ` +
        `THEN (${text})::float8 ${op} ${this.param(test.number, '::float8')} END END)`
      );
    }
    if (test.match.kind === 'present') return `(jsonb_typeof(${json}) <> 'null')`;
    const whens = [`WHEN 'string' THEN ${this.match(text, test.match)}`];
    if (test.number !== null) {
      whens.push(`WHEN 'number' THEN (${text})::numeric = ${this.param(test.number, '::numeric')}`);
    }
    if (test.boolean && test.match.kind === 'exact') {
      whens.push(`WHEN 'boolean' THEN ${text} = ${this.param(test.match.value)}`);
    }
    return `(CASE jsonb_typeof(${json}) ${whens.join(' ')} END)`;
  }

  build(f: Filter): string {
    switch (f.kind) {
      case 'and':
      case 'or':
        return `(${f.children.map((c) => this.build(c)).join(f.kind === 'and' ? ' AND ' : ' OR ')})`;
      case 'not':
        return `((${this.build(f.child)}) IS NOT TRUE)`;
      case 'text':
        return `message ILIKE ${this.param(`%${escapeLike(f.needle)}%`)}`;
      case 'regex':
        return `message ~ ${this.param(f.regex.postgres)}`;
      case 'column':
        return `(${this.match(f.column, f.match)})`;
      case 'container': {
        const name = this.match('container_name', f.name);
        if (f.idPrefix === null) return `(${name})`;
        return `(${name} OR container_id LIKE ${this.param(`${escapeLike(f.idPrefix)}%`)})`;
      }
      case 'severity':
        if (f.min > f.max) return 'FALSE';
        return `(severity >= ${this.param(f.min, '::smallint')} AND severity <= ${this.param(f.max, '::smallint')})`;
      case 'attr':
        return this.attr(f.path, f.test);
    }
  }
}

/**
 * The query as a boolean SQL expression for a WHERE clause, numbering its parameters from
 * `startParam` (so callers can put their own before it). The empty query gives TRUE.
 */
export function toSql(query: Query, startParam = 1): SqlFragment {
  if (query.filter === null) return { text: 'TRUE', values: [] };
  const b = new SqlBuilder(startParam);
  const text = b.build(query.filter);
  return { text, values: b.values };
}

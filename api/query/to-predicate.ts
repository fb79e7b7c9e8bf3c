/**
 * Filter to a JavaScript predicate for the live tail, with the meaning to-sql.ts gives the
 * database (the differential test holds them to it): a NULL field makes its leaf false,
 * case folding is ASCII-only, globs behave as LIKE, attrs paths walk as jsonb's `#>`.
 */
import type { AttrValue, StoredRecord } from '../../core/record.js';
import {
  NUMERIC_STRING,
  asciiLower,
  type AttrTest,
  type Comparison,
  type Filter,
  type Query,
  type StringMatch,
} from './filter.js';

/** The fields a query reads; `StoredRecord` (core/record.ts) has them all. */
export type StoredRecordLike = Pick<
  StoredRecord,
  | 'message'
  | 'source'
  | 'host'
  | 'container_id'
  | 'container_name'
  | 'stream'
  | 'tag'
  | 'app'
  | 'project'
  | 'service'
  | 'severity'
  | 'attrs'
>;

/** One evaluation: the record, and its message lowered at most once. */
interface Subject {
  r: StoredRecordLike;
  lower: string | undefined;
}

type Test = (s: Subject) => boolean;

/** LIKE semantics: the parts in order, the first at the start, the last at the end. */
function globMatch(parts: string[], s: string): boolean {
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!s.startsWith(first)) return false;
  let pos = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const at = s.indexOf(parts[i]!, pos);
    if (at < 0) return false;
    pos = at + parts[i]!.length;
  }
  return s.length - last.length >= pos && s.endsWith(last);
}

function matchString(m: StringMatch, s: string): boolean {
  switch (m.kind) {
    case 'exact':
      return s === m.value;
    case 'glob':
      return globMatch(m.parts, s);
    case 'present':
      return true;
  }
}

const INT_MAX = 2 ** 31 - 1;
const INT_MIN = -(2 ** 31);

/**
 * PostgreSQL's reading of a path element against an array (jsonb_get_element): strtol
 * after optional whitespace and sign, the whole element, within int4; negative counts
 * from the end. null where PostgreSQL yields NULL.
 */
function arrayIndex(seg: string, length: number): number | null {
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)$/.exec(seg);
  if (!m) return null;
  const n = parseInt(m[1]!, 10);
  if (n > INT_MAX || n <= INT_MIN) return null;
  if (n >= 0) return n < length ? n : null;
  return -n > length ? null : length + n;
}

/** `attrs #> path`: undefined where PostgreSQL gives NULL (a JSON null stays null). */
function attrAt(attrs: StoredRecordLike['attrs'], path: string[]): AttrValue | undefined {
  let v: AttrValue | undefined = attrs ?? undefined;
  for (const seg of path) {
    if (Array.isArray(v)) {
      const i = arrayIndex(seg, v.length);
      v = i === null ? undefined : v[i];
    } else if (typeof v === 'object' && v !== null) {
      v = Object.hasOwn(v, seg) ? v[seg] : undefined;
    } else {
      return undefined;
    }
  }
  return v;
}

function compare(a: number, op: Comparison, b: number): boolean {
  switch (op) {
    case '>=':
      return a >= b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '<':
      return a < b;
  }
}

function attrTest(path: string[], test: AttrTest): Test {
  if (test.kind === 'cmp') {
    const q = Number(test.number);
    return ({ r }) => {
      const v = attrAt(r.attrs, path);
      if (typeof v === 'number') return compare(v, test.op, q);
      return typeof v === 'string' && NUMERIC_STRING.test(v) && compare(Number(v), test.op, q);
    };
  }
  const { match } = test;
  const num = test.number === null ? null : Number(test.number);
  const bool = test.boolean && match.kind === 'exact' ? match.value : null;
  return ({ r }) => {
    const v = attrAt(r.attrs, path);
    if (v === undefined || v === null) return false;
    if (match.kind === 'present') return true;
    if (typeof v === 'string') return matchString(match, v);
    if (typeof v === 'number') return v === num;
    if (typeof v === 'boolean') return String(v) === bool;
    return false;
  };
}

function compile(f: Filter): Test {
  switch (f.kind) {
    case 'and': {
      const cs = f.children.map(compile);
      return (s) => cs.every((c) => c(s));
    }
    case 'or': {
      const cs = f.children.map(compile);
      return (s) => cs.some((c) => c(s));
    }
    case 'not': {
      const c = compile(f.child);
      return (s) => !c(s);
    }
    case 'text': {
      const needle = f.needle;
      return (s) => (s.lower ??= asciiLower(s.r.message)).includes(needle);
    }
    case 'regex': {
      const m = f.regex.matcher;
      return ({ r }) => m.test(r.message);
    }
    case 'column': {
      const { column, match } = f;
      return ({ r }) => {
        const v = r[column];
        return v !== null && matchString(match, v);
      };
    }
    case 'container': {
      const { name, idPrefix } = f;
      return ({ r }) =>
        (r.container_name !== null && matchString(name, r.container_name)) ||
        (idPrefix !== null && r.container_id !== null && r.container_id.startsWith(idPrefix));
    }
    case 'severity': {
      const { min, max } = f;
      return ({ r }) => r.severity !== null && r.severity >= min && r.severity <= max;
    }
    case 'attr':
      return attrTest(f.path, f.test);
  }
}

/**
 * The query as a predicate over records. A regex may throw QUERY_TIMEOUT on a message that
 * would cost it too much (regex/dfa.ts); the caller ends that query with the error.
 */
export function toPredicate(query: Query): (r: StoredRecordLike) => boolean {
  if (query.filter === null) return () => true;
  const test = compile(query.filter);
  return (r) => test({ r, lower: undefined });
}

/**
 * Semantic checks after parsing, kept out of the grammar as Loki does: known field names,
 * the operators each field takes, level names, numbers, path limits, and the regex
 * dialect. The result is a Filter (filter.ts) with every value resolved; each error points
 * at the column of the offending term or value.
 *
 * Field meanings (docs/architecture.md, "The query language"):
 *   container:V   container_name equals V (or glob); when V is 12-64 lowercase hex digits
 *                 (a `docker ps` id or longer) it also matches container_id starting with V
 *   container_id: project: service: host: tag: app:     exact, or glob with `*`
 *   stream:stdout|stderr   source:forward|syslog          (case-insensitive names)
 *   level:error  level>=warn  level<4   by name or syslog number 0-7; comparisons are by
 *                 severity: `level>=warn` is "at least as severe as warning" (severity <= 4)
 *   attrs.a.b:V   a string equal to V (or glob), a number equal to V as a number, or a
 *                 boolean whose text is V; `attrs.a:*` means "present and not null"
 *   attrs.a>=N    a number, or a string of plain decimal digits, compared as a number
 * Values are case-sensitive except stream, source and level names; `*` is always a wildcard.
 */
import type { Node, Span, Spans } from '../../core/query/ast.js';
import {
  NUMBER_LITERAL,
  asciiLower,
  stringMatch,
  type AttrTest,
  type Column,
  type Filter,
} from './filter.js';
import { QUERY_LIMITS } from '../../core/query/limits.js';
import { limitError, syntaxError } from '../../core/query/query-error.js';
import { compileRegex, type CompiledRegex } from './regex/compile.js';
import { RegexError } from '../../core/query/regex/parse.js';
import { SEVERITY_NAMES } from '../../core/record.js';

const STRING_COLUMNS = new Set<string>([
  'container_id',
  'project',
  'service',
  'host',
  'tag',
  'app',
]);
const ENUMS: Record<'stream' | 'source', readonly string[]> = {
  stream: ['stdout', 'stderr'],
  source: ['forward', 'syslog'],
};
const FIELD_NAMES = ['container', ...STRING_COLUMNS, 'stream', 'source', 'level', 'attrs.<path>'];

/** RFC 5424 section 6.2.1 names, plus the aliases common loggers write. */
const SEVERITIES = new Map<string, number>([
  ...SEVERITY_NAMES.map((n, i) => [n, i] as [string, number]),
  ['emergency', 0],
  ['panic', 0],
  ['critical', 2],
  ['fatal', 2],
  ['err', 3],
  ['warn', 4],
  ['information', 6],
  ['informational', 6],
  ['trace', 7],
]);

const CONTAINER_ID_PREFIX = /^[0-9a-f]{12,64}$/;

class Validator {
  constructor(
    private readonly text: string,
    private readonly spans: Spans,
  ) {}

  private span(node: Node): Span {
    return this.spans.get(node) ?? { start: 0, valueStart: 0 };
  }

  check(node: Node): Filter {
    switch (node.type) {
      case 'and':
      case 'or':
        return { kind: node.type, children: node.children.map((c) => this.check(c)) };
      case 'not':
        return { kind: 'not', child: this.check(node.child) };
      case 'text':
        if (node.value === '') throw syntaxError(this.text, this.span(node).start, 'empty phrase');
        return { kind: 'text', needle: asciiLower(node.value) };
      case 'regex':
        return { kind: 'regex', regex: this.regex(node.pattern, node.ignoreCase, this.span(node)) };
      case 'field':
        return this.field(node.name, node.path, node.op, node.value, this.span(node));
    }
  }

  private regex(pattern: string, ignoreCase: boolean, span: Span): CompiledRegex {
    try {
      return compileRegex(pattern, ignoreCase);
    } catch (e) {
      if (!(e instanceof RegexError)) throw e;
      // Each '/' in the pattern was written `\/`: one more character in the query.
      const slashes = pattern.slice(0, e.offset).split('/').length - 1;
      const at = span.valueStart + e.offset + slashes;
      const detail = `regular expression: ${e.message}`;
      throw e.tooLarge ? limitError(this.text, at, detail) : syntaxError(this.text, at, detail);
    }
  }

  private field(name: string, path: string[], op: string, value: string, span: Span): Filter {
    const fail = (msg: string, at = span.start): never => {
      throw syntaxError(this.text, at, msg);
    };
    if (name === 'attrs') return this.attr(path, op, value, span);
    const known =
      name === 'container' ||
      name === 'level' ||
      name === 'stream' ||
      name === 'source' ||
      STRING_COLUMNS.has(name);
    if (!known) {
      fail(
        `unknown field '${name}' (fields: ${FIELD_NAMES.join(', ')}); ` +
          `to search for text containing '${op}', put it in quotes`,
      );
    }
    if (path.length > 0) fail(`only attrs takes a path; '${name}' has none`);
    if (name === 'level') return this.level(op, value, span);
    if (op !== ':')
      fail(
        `'${name}' takes ':' only; '${op}' compares levels and attrs numbers`,
        span.valueStart - op.length,
      );
    if (name === 'container') {
      return {
        kind: 'container',
        name: stringMatch(value),
        idPrefix: CONTAINER_ID_PREFIX.test(value) ? value : null,
      };
    }
    if (name === 'stream' || name === 'source') {
      const allowed = ENUMS[name];
      const v = value.toLowerCase();
      if (!allowed.includes(v)) fail(`${name} is one of ${allowed.join(', ')}`, span.valueStart);
      return { kind: 'column', column: name, match: { kind: 'exact', value: v } };
    }
    return { kind: 'column', column: name as Column, match: stringMatch(value) };
  }

  private level(op: string, value: string, span: Span): Filter {
    const v = value.toLowerCase();
    const s = /^[0-7]$/.test(v) ? Number(v) : SEVERITIES.get(v);
    if (s === undefined) {
      throw syntaxError(
        this.text,
        span.valueStart,
        `unknown level '${value}' (use 0-7 or ${SEVERITY_NAMES.join(', ')})`,
      );
    }
    // Lower numbers are more severe: ">=" (at least as severe) is severity <= s.
    switch (op) {
      case '>=':
        return { kind: 'severity', min: 0, max: s };
      case '>':
        return { kind: 'severity', min: 0, max: s - 1 };
      case '<=':
        return { kind: 'severity', min: s, max: 7 };
      case '<':
        return { kind: 'severity', min: s + 1, max: 7 };
      default:
        return { kind: 'severity', min: s, max: s };
    }
  }

  private attr(path: string[], op: string, value: string, span: Span): Filter {
    if (path.length === 0) {
      throw syntaxError(this.text, span.start, 'attrs needs a path, as in attrs.user_id:42');
    }
    if (path.length > QUERY_LIMITS.maxPathSegments) {
      throw limitError(
        this.text,
        span.start,
        `attrs path longer than ${QUERY_LIMITS.maxPathSegments} segments`,
      );
    }
    const number = canonicalNumber(value);
    let test: AttrTest;
    if (op === ':') {
      test = {
        kind: 'eq',
        match: stringMatch(value),
        number,
        boolean: value === 'true' || value === 'false',
      };
    } else {
      if (number === null) {
        throw syntaxError(
          this.text,
          span.valueStart,
          `'${op}' needs a number, as in attrs.status>=500`,
        );
      }
      test = { kind: 'cmp', op: op as '>=' | '<=' | '>' | '<', number };
    }
    return { kind: 'attr', path, test };
  }
}

/**
 * The shortest text of the double `value` denotes (JavaScript's own), or null when it is
 * not a finite number. Both back ends then compare with the same double: the tail with
 * this number, PostgreSQL with numeric(text), whose order agrees for every double.
 */
function canonicalNumber(value: string): string | null {
  if (!NUMBER_LITERAL.test(value)) return null;
  const n = Number(value);
  return Number.isFinite(n) ? String(n) : null;
}

/** A parsed query to its Filter (null = match all); throws LogharborError with a column. */
export function validate(text: string, ast: Node | null, spans: Spans): Filter | null {
  return ast === null ? null : new Validator(text, spans).check(ast);
}

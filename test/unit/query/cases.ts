/**
 * The one table of query cases (STYLE.md: Loki's `{input, expected AST or error}` table).
 * query-cases.test.ts runs every case through parser, printer (round trip) and the
 * predicate; test/integration/query-differential.test.ts runs the same samples through the
 * SQL on a real PostgreSQL.
 *
 *   printed   canonical text print() must give (default: the query itself)
 *   ast       the exact tree, where the shape is the point of the case
 *   error     the code and 1-based column parseQuery must throw with
 *   match / noMatch   records the query must / must not select
 */
import type { Node } from '../../../api/query/index.js';
import { QUERY_LIMITS } from '../../../api/query/index.js';
import type { Sample } from './records.js';

export interface QueryCase {
  query: string;
  printed?: string;
  ast?: Node | null;
  error?: { code: 'LH_QUERY_SYNTAX' | 'LH_QUERY_TOO_LONG'; column: number; message?: RegExp };
  match?: Sample[];
  noMatch?: Sample[];
}

const t = (value: string): Node => ({ type: 'text', value });
const m = (message: string): Sample => ({ message });
const attrs = (a: Sample['attrs']): Sample => ({ attrs: a });
const syntax = (column: number, message?: RegExp): QueryCase['error'] => ({
  code: 'LH_QUERY_SYNTAX',
  column,
  message,
});
const tooLong = (column: number, message?: RegExp): QueryCase['error'] => ({
  code: 'LH_QUERY_TOO_LONG',
  column,
  message,
});

const MANY_TERMS = Array.from({ length: QUERY_LIMITS.maxTerms + 1 }, (_, i) => `w${i}`).join(' ');

export const CASES: QueryCase[] = [
  // ---- empty query, words, phrases
  { query: '', ast: null, match: [m(''), m('anything')] },
  { query: '  \t\n ', printed: '', ast: null, match: [m('x')] },
  {
    query: 'timeout',
    ast: t('timeout'),
    match: [m('read TIMEOUT after 5s'), m('timeouts')],
    noMatch: [m('time out'), m('')],
  },
  {
    query: '"connection reset"',
    ast: t('connection reset'),
    match: [m('Connection Reset by peer')],
    noMatch: [m('connection  reset')],
  },
  {
    query: '"say \\"hi\\" \\\\ now"',
    ast: t('say "hi" \\ now'),
    match: [m('they say "HI" \\ now')],
    noMatch: [m('say "hi" \\\\ now')],
  },
  { query: '100%', ast: t('100%'), match: [m('cpu at 100%')], noMatch: [m('cpu at 1000')] },
  { query: 'a_b', match: [m('x a_b y')], noMatch: [m('axb')] },
  {
    query: '"C:\\\\temp"',
    ast: t('C:\\temp'),
    match: [m('in c:\\TEMP\\x')],
    noMatch: [m('C:temp')],
  },
  {
    query: 'back\\slash',
    ast: t('back\\slash'),
    match: [m('a back\\slash')],
    noMatch: [m('backslash')],
  },
  // Only A-Z fold, as ILIKE does under the C locale.
  {
    query: 'ÄRGER',
    match: [m('großer Ärger'), m('ÄRGER')],
    noMatch: [m('großer ärger')],
  },
  { query: 'straße', match: [m('STRAßE')], noMatch: [m('STRASSE'), m('strasse')] },
  { query: 'İstanbul', match: [m('İSTANBUL')], noMatch: [m('istanbul')] },
  { query: 'σίσυφος', noMatch: [m('ΣΊΣΥΦΟΣ')], match: [m('σίσυφος')] },
  { query: '😀', match: [m('smile 😀!')], noMatch: [m('smile')] },
  { query: 'or not and', ast: { type: 'and', children: [t('or'), t('not'), t('and')] } },
  { query: '"OR"', ast: t('OR'), match: [m('this or that')], noMatch: [m('this and that')] },
  { query: '"-x"', ast: t('-x'), match: [m('a -x')], noMatch: [m('x')] },
  { query: '"a:b"', ast: t('a:b'), match: [m('key a:b')] },
  { query: 'http://example.com/x', error: syntax(1, /unknown field 'http'/) },
  { query: '"http://example.com/x"', match: [m('GET http://example.com/x 200')] },
  { query: 'file.txt', ast: t('file.txt'), match: [m('open file.txt')] },
  { query: 'level=error', ast: t('level=error'), match: [m('ts=1 level=error msg=x')] },
  { query: '12:30:45', ast: t('12:30:45'), match: [m('at 12:30:45')] },

  // ---- boolean logic
  {
    query: 'a b',
    ast: { type: 'and', children: [t('a'), t('b')] },
    match: [m('ab')],
    noMatch: [m('a')],
  },
  { query: 'a AND b', printed: 'a b', ast: { type: 'and', children: [t('a'), t('b')] } },
  {
    query: 'a OR b c',
    ast: { type: 'or', children: [t('a'), { type: 'and', children: [t('b'), t('c')] }] },
    match: [m('a'), m('bc')],
    noMatch: [m('b'), m('c')],
  },
  {
    query: '(a OR b) c',
    ast: { type: 'and', children: [{ type: 'or', children: [t('a'), t('b')] }, t('c')] },
    match: [m('ac'), m('bc')],
    noMatch: [m('a'), m('c')],
  },
  {
    query: 'NOT a',
    printed: '-a',
    ast: { type: 'not', child: t('a') },
    match: [m('b')],
    noMatch: [m('A')],
  },
  {
    query: '-a -b',
    ast: {
      type: 'and',
      children: [
        { type: 'not', child: t('a') },
        { type: 'not', child: t('b') },
      ],
    },
    match: [m('c')],
    noMatch: [m('a'), m('b')],
  },
  { query: '--a', ast: { type: 'not', child: { type: 'not', child: t('a') } }, match: [m('a')] },
  { query: 'NOT NOT a', printed: '--a' },
  { query: 'NOT-a', printed: 'NOT-a', ast: t('NOT-a') },
  { query: '-(a OR b)', match: [m('c')], noMatch: [m('b')] },
  { query: 'NOT (a b)', printed: '-(a b)', match: [m('a')], noMatch: [m('ab')] },
  { query: '(a b) c', printed: 'a b c', ast: { type: 'and', children: [t('a'), t('b'), t('c')] } },
  { query: '((a))', printed: 'a', ast: t('a') },
  { query: 'a OR (b OR c)', printed: 'a OR b OR c' },
  { query: 'a AND (b OR c) AND d', printed: 'a (b OR c) d' },
  { query: 'a(b)', printed: 'a b' },
  { query: 'a"b"', printed: 'a b' },

  // ---- regular expressions
  {
    query: '/err(or)?\\s+\\d+/',
    ast: { type: 'regex', pattern: 'err(or)?\\s+\\d+', ignoreCase: false },
    match: [m('error  42'), m('err\t7')],
    noMatch: [m('ERROR 42'), m('error x'), m('error\u00a042')],
  },
  { query: '/ERR/i', match: [m('an error')], noMatch: [m('an eror')] },
  {
    query: '/a\\/b/',
    ast: { type: 'regex', pattern: 'a/b', ignoreCase: false },
    match: [m('x a/b')],
    noMatch: [m('a\\/b')],
  },
  { query: '/^GET \\/api/', match: [m('GET /api/x')], noMatch: [m(' GET /api')] },
  { query: '/\\bfoo\\b/', match: [m('a foo.'), m('foo')], noMatch: [m('food'), m('_foo')] },
  { query: '/\\B/', match: [m('😀'), m('ab')], noMatch: [m('a😀a'), m('a')] },
  { query: '/\\Bar/', match: [m('bar')], noMatch: [m('ar'), m('a ar')] },
  { query: '/./', match: [m('\n'), m('😀')], noMatch: [m('')] },
  { query: '/^$/', match: [m('')], noMatch: [m('\n')] },
  { query: '/^.$/', match: [m('😀'), m('\n')], noMatch: [m('ab')] },
  { query: '/a$/', match: [m('ba')], noMatch: [m('a\n')] },
  { query: '/[^a]/i', match: [m('aAb')], noMatch: [m('aAa')] },
  { query: '/é+/i', match: [m('café')], noMatch: [m('CAFÉ')] },
  { query: '/K/i', match: [m('k')], noMatch: [m('\u212a')] },
  { query: '/\\u{1F600}\\x41\\u0042/', match: [m('😀AB')], noMatch: [m('😀ab')] },
  { query: '/\\d\\w\\s/', match: [m('1_ ')], noMatch: [m('١a '), m('1é '), m('1a\u00a0')] },
  { query: '/[\\D]/', match: [m('x')], noMatch: [m('123')] },
  { query: '/[a-c-]+$/', match: [m('x-b')], noMatch: [m('d')] },
  { query: '/(a+)+$/', match: [m('aaa')], noMatch: [m('aaab')] },
  { query: '/(?<year>\\d{4})-(?:\\d\\d)/', match: [m('2024-01')], noMatch: [m('24-01')] },
  { query: '/a{2,3}?b/', match: [m('aab')], noMatch: [m('ab')] },
  { query: '/x{0}y/', match: [m('y')] },
  { query: '/%_\\\\/', match: [m('%_\\')], noMatch: [m('%x\\')] },
  { query: '/a|b/', match: [m('b')], noMatch: [m('c')] },

  // ---- fields
  {
    query: 'container:web',
    ast: { type: 'field', name: 'container', path: [], op: ':', value: 'web' },
    match: [{ container_name: 'web' }],
    noMatch: [{ container_name: 'web2' }, { container_name: 'Web' }, {}],
  },
  {
    query: 'container:api-*',
    match: [{ container_name: 'api-1' }, { container_name: 'api-' }],
    noMatch: [{ container_name: 'xapi-1' }, { container_name: 'api' }],
  },
  { query: 'container:*', match: [{ container_name: '' }], noMatch: [{}] },
  {
    query: 'container:*a*b*',
    match: [{ container_name: 'ab' }, { container_name: 'xaxbx' }],
    noMatch: [{ container_name: 'ba' }],
  },
  { query: 'container:a*a', match: [{ container_name: 'aa' }], noMatch: [{ container_name: 'a' }] },
  {
    query: 'container:0123456789ab',
    match: [{ container_id: '0123456789abcdef0123' }, { container_name: '0123456789ab' }],
    noMatch: [{ container_id: '00123456789ab' }, { container_name: '0123456789abc' }],
  },
  { query: 'container:0123', noMatch: [{ container_id: '0123456789abcdef' }] },
  {
    query: 'container:"my app"',
    ast: { type: 'field', name: 'container', path: [], op: ':', value: 'my app' },
    match: [{ container_name: 'my app' }],
  },
  {
    query: '-container:web',
    match: [{}, { container_name: 'api' }],
    noMatch: [{ container_name: 'web' }],
  },
  {
    query: 'container:100%',
    match: [{ container_name: '100%' }],
    noMatch: [{ container_name: '1000' }],
  },
  {
    query: 'container:a_c',
    match: [{ container_name: 'a_c' }],
    noMatch: [{ container_name: 'abc' }],
  },
  {
    query: 'container:a\\*',
    match: [{ container_name: 'a\\b' }],
    noMatch: [{ container_name: 'ab' }],
  },
  {
    query: 'container_id:abc*',
    match: [{ container_id: 'abcdef' }],
    noMatch: [{ container_name: 'abc' }],
  },
  { query: 'project:shop', match: [{ project: 'shop' }], noMatch: [{ project: 'shop2' }] },
  { query: 'service:db*', match: [{ service: 'db-1' }], noMatch: [{ service: 'mydb' }] },
  { query: 'host:h1', match: [{ host: 'h1' }], noMatch: [{ host: 'H1' }] },
  { query: 'tag:docker.*', match: [{ tag: 'docker.abc' }], noMatch: [{ tag: 'dockerx' }] },
  { query: 'app:"nginx"', printed: 'app:nginx', match: [{ app: 'nginx' }] },
  { query: 'app:""', printed: 'app:""', match: [{ app: '' }], noMatch: [{}] },
  { query: 'host:a:b', ast: { type: 'field', name: 'host', path: [], op: ':', value: 'a:b' } },
  {
    query: 'stream:stderr',
    match: [{ stream: 'stderr' }],
    noMatch: [{ stream: 'stdout' }, {}],
  },
  { query: 'stream:STDERR', match: [{ stream: 'stderr' }] },
  { query: 'source:syslog', match: [{ source: 'syslog' }], noMatch: [{ source: 'forward' }] },

  // ---- level: comparisons by severity (lower number = more severe)
  {
    query: 'level:error',
    match: [{ severity: 3 }],
    noMatch: [{ severity: 2 }, { severity: 4 }, {}],
  },
  { query: 'level:err', match: [{ severity: 3 }] },
  { query: 'level:3', match: [{ severity: 3 }] },
  { query: 'level:WARNING', match: [{ severity: 4 }] },
  {
    query: 'level>=warn',
    match: [{ severity: 0 }, { severity: 4 }],
    noMatch: [{ severity: 5 }, {}],
  },
  { query: 'level>warn', match: [{ severity: 3 }], noMatch: [{ severity: 4 }] },
  { query: 'level<err', match: [{ severity: 4 }, { severity: 7 }], noMatch: [{ severity: 3 }] },
  { query: 'level<=notice', match: [{ severity: 5 }], noMatch: [{ severity: 4 }] },
  { query: 'level>emerg', noMatch: [{ severity: 0 }, { severity: 7 }] },
  { query: 'level<debug', noMatch: [{ severity: 7 }, { severity: 0 }] },
  { query: '-level:debug', match: [{}, { severity: 6 }], noMatch: [{ severity: 7 }] },

  // ---- attrs
  {
    query: 'attrs.user_id:42',
    ast: { type: 'field', name: 'attrs', path: ['user_id'], op: ':', value: '42' },
    match: [attrs({ user_id: 42 }), attrs({ user_id: '42' }), attrs({ user_id: 42.0 })],
    noMatch: [
      attrs({ user_id: '042' }),
      attrs({ user_id: 420 }),
      attrs({}),
      {},
      attrs({ user_id: [42] }),
      attrs({ user_id: null }),
    ],
  },
  {
    query: 'attrs.n:042',
    match: [attrs({ n: 42 }), attrs({ n: '042' })],
    noMatch: [attrs({ n: '42' })],
  },
  { query: 'attrs.n:1e3', match: [attrs({ n: 1000 })], noMatch: [attrs({ n: '1000' })] },
  {
    query: 'attrs.http.status>=500',
    ast: { type: 'field', name: 'attrs', path: ['http', 'status'], op: '>=', value: '500' },
    match: [attrs({ http: { status: 503 } }), attrs({ http: { status: '500' } })],
    noMatch: [
      attrs({ http: { status: '5xx' } }),
      attrs({ http: { status: 499 } }),
      attrs({ http: { status: true } }),
      attrs({ http: { status: ' 501' } }),
      attrs({ http: { status: '1e3' } }),
      attrs({ http: 503 }),
    ],
  },
  {
    query: 'attrs.n<0.5',
    match: [attrs({ n: 0.1 }), attrs({ n: '-3' })],
    noMatch: [attrs({ n: 0.5 })],
  },
  { query: 'attrs.n>-1e21', match: [attrs({ n: -1e20 })], noMatch: [attrs({ n: -1e22 })] },
  {
    query: 'attrs.n>=0.3',
    match: [attrs({ n: 0.1 + 0.2 })],
    noMatch: [attrs({ n: 0.29999999999999993 })],
  },
  { query: 'attrs.n<=0', match: [attrs({ n: -0 }), attrs({ n: '-0' })] },
  {
    query: 'attrs.ok:true',
    match: [attrs({ ok: true }), attrs({ ok: 'true' })],
    noMatch: [attrs({ ok: false }), attrs({ ok: 1 }), attrs({ ok: 'TRUE' })],
  },
  {
    query: 'attrs.x:*',
    match: [attrs({ x: 0 }), attrs({ x: '' }), attrs({ x: [] }), attrs({ x: false })],
    noMatch: [attrs({ x: null }), attrs({}), {}],
  },
  {
    query: 'attrs.msg:*err*',
    match: [attrs({ msg: 'an error' })],
    noMatch: [attrs({ msg: 'ERR' }), attrs({ msg: 12 })],
  },
  {
    query: 'attrs."com.docker.compose.project":shop',
    ast: {
      type: 'field',
      name: 'attrs',
      path: ['com.docker.compose.project'],
      op: ':',
      value: 'shop',
    },
    match: [attrs({ 'com.docker.compose.project': 'shop' })],
    noMatch: [attrs({ com: { docker: { compose: { project: 'shop' } } } })],
  },
  {
    query: 'attrs.tags.0:a',
    match: [attrs({ tags: ['a', 'b'] })],
    noMatch: [attrs({ tags: ['b', 'a'] })],
  },
  {
    query: 'attrs.tags.-1:b',
    match: [attrs({ tags: ['a', 'b'] })],
    noMatch: [attrs({ tags: ['b', 'a'] })],
  },
  { query: 'attrs.tags.-3:a', noMatch: [attrs({ tags: ['a', 'b'] })] },
  { query: 'attrs.tags." 1":b', match: [attrs({ tags: ['a', 'b'] })] },
  { query: 'attrs.tags."1 ":b', noMatch: [attrs({ tags: ['a', 'b'] })] },
  { query: 'attrs.tags.01:b', match: [attrs({ tags: ['a', 'b'] })] },
  { query: 'attrs.x.0:a', noMatch: [attrs({ x: 'abc' })] },
  { query: 'attrs."":e', match: [attrs({ '': 'e' })] },
  { query: 'attrs.__proto__:x', noMatch: [attrs({})] },
  { query: '-attrs.x:1', match: [{}, attrs({ x: 2 })], noMatch: [attrs({ x: 1 })] },

  // ---- errors, each with its column
  { query: 'foo:bar', error: syntax(1, /unknown field 'foo'/) },
  { query: 'a constructor:x', error: syntax(3, /unknown field/) },
  { query: 'level:loud', error: syntax(7, /unknown level/) },
  { query: 'level:*', error: syntax(7, /unknown level/) },
  { query: 'level:8', error: syntax(7) },
  { query: 'container>=3', error: syntax(10, /takes ':' only/) },
  { query: 'stream:stdin', error: syntax(8, /stdout, stderr/) },
  { query: 'source:*', error: syntax(8) },
  { query: 'attrs:x', error: syntax(1, /needs a path/) },
  { query: 'host.x:y', error: syntax(1, /only attrs takes a path/) },
  { query: 'attrs.x>=abc', error: syntax(10, /needs a number/) },
  { query: 'attrs.x<1e999', error: syntax(9, /needs a number/) },
  { query: 'a (b', error: syntax(3, /missing '\)'/) },
  { query: 'a)', error: syntax(2, /unexpected '\)'/) },
  { query: '()', error: syntax(1, /empty parentheses/) },
  { query: '"abc', error: syntax(1, /unterminated/) },
  { query: '"a\\nb"', error: syntax(3, /unknown escape/) },
  { query: '""', error: syntax(1, /empty phrase/) },
  { query: '/abc', error: syntax(1, /unterminated regular expression/) },
  { query: '/a/x', error: syntax(4, /flag/) },
  { query: '//', error: syntax(1, /empty regular expression/) },
  { query: 'x:', error: syntax(3, /missing value/) },
  { query: 'attrs.a.:1', ast: t('attrs.a.:1') },
  { query: 'AND a', error: syntax(1, /needs a term before/) },
  { query: 'a OR', error: syntax(3, /followed by a term/) },
  { query: 'a AND OR b', error: syntax(3, /followed by a term/) },
  { query: 'NOT', error: syntax(1, /followed by a term/) },
  { query: '-', error: syntax(1, /followed directly by a term/) },
  { query: 'a - b', error: syntax(3) },
  { query: "'; DROP TABLE logs; --", error: syntax(22, /'-' must be followed/) },
  { query: '"\'; DROP TABLE logs; --"', match: [m("x'; drop table LOGS; --")] },
  { query: '/(?=a)/', error: syntax(2, /lookahead/) },
  { query: '/(?<!a)b/', error: syntax(2, /lookbehind/) },
  { query: '/(a)\\1/', error: syntax(5, /backreferences/) },
  { query: '/[z-a]/', error: syntax(4, /out of order/) },
  { query: '/a**/', error: syntax(4, /nothing to repeat/) },
  { query: '/*a/', error: syntax(2, /nothing to repeat/) },
  { query: '/^*/', error: syntax(2, /nothing to repeat/) },
  { query: '/a{/', error: syntax(3, /\\\{/) },
  { query: '/a}/', error: syntax(3) },
  { query: '/\\p{L}/', error: syntax(2, /unsupported escape/) },
  { query: '/[[:alpha:]]/', error: syntax(3, /literal '\['/) },
  { query: '/[]/', error: syntax(2, /empty character class/) },
  { query: '/[^\\d\\D]/', error: syntax(2, /matches nothing/) },
  { query: '/a|/', error: syntax(4, /empty alternative/) },
  { query: '/()/', error: syntax(2, /empty group/) },
  { query: '/a\\/(/', error: syntax(5, /missing '\)'/) },
  { query: '/\\x00/', error: syntax(2, /NUL/) },
  { query: '/\\uD800/', error: syntax(2) },
  { query: '/a\\/', error: syntax(1, /unterminated/) },
  { query: 'a\u0000b', error: syntax(2, /NUL/) },
  { query: 'ok \uD800', error: syntax(4, /lone surrogate/) },
  { query: 'line1\n  foo:bar', error: syntax(9, /line 2, column 3/) },

  // ---- limits
  {
    query: 'a'.repeat(QUERY_LIMITS.maxLength + 1),
    error: tooLong(QUERY_LIMITS.maxLength + 1, /limit is 4096/),
  },
  { query: 'a'.repeat(QUERY_LIMITS.maxLength), match: [m('a'.repeat(QUERY_LIMITS.maxLength))] },
  {
    query: `${'('.repeat(QUERY_LIMITS.maxDepth + 1)}a${')'.repeat(QUERY_LIMITS.maxDepth + 1)}`,
    error: tooLong(QUERY_LIMITS.maxDepth + 1, /nested/),
  },
  {
    query: `${'('.repeat(QUERY_LIMITS.maxDepth)}a${')'.repeat(QUERY_LIMITS.maxDepth)}`,
    printed: 'a',
  },
  { query: `${'-'.repeat(QUERY_LIMITS.maxDepth + 1)}a`, error: tooLong(QUERY_LIMITS.maxDepth + 1) },
  {
    query: MANY_TERMS,
    error: tooLong(MANY_TERMS.indexOf(`w${QUERY_LIMITS.maxTerms}`) + 1, /more than 256 terms/),
  },
  {
    query: `attrs${'.a'.repeat(QUERY_LIMITS.maxPathSegments + 1)}:1`,
    error: tooLong(1, /path longer/),
  },
  {
    query: `/${'a'.repeat(QUERY_LIMITS.maxRegexLength + 1)}/`,
    error: tooLong(QUERY_LIMITS.maxRegexLength + 2, /longer than 512/),
  },
  { query: '/a{101}/', error: tooLong(3, /repeat count over 100/) },
  { query: '/a{1,1000000000000}/', error: tooLong(3, /repeat count/) },
  { query: '/(a{100}){11}/', error: tooLong(2, /too large/) },
  { query: `/${'('.repeat(40)}a${')'.repeat(40)}/`, error: tooLong(34, /nested/) },
];

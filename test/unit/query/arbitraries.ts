/**
 * fast-check generators for the query tests:
 *   anyAst      any tree the parser could produce (names and values unchecked), for the
 *               printer round trip;
 *   validAst    trees that pass validation, built from small pools so that they select
 *               some of the records below, for the SQL-versus-predicate differential;
 *   sampleRecord  records with NULLs, unicode, LIKE metacharacters and nested attrs.
 */
import fc from 'fast-check';
import { OPS } from '../../../core/query/ast.js';
import type { Node, Op } from '../../../api/query/index.js';
import type { AttrValue, Attrs } from '../../../core/record.js';
import type { StoredRecordLike } from '../../../api/query/index.js';

/** Characters that stress quoting, escaping and case folding, plus any other. */
const tricky = fc.constantFrom(
  ' ',
  '\t',
  '\n',
  '"',
  '\\',
  '(',
  ')',
  ':',
  '-',
  '/',
  '*',
  '.',
  '>',
  '<',
  '=',
  '%',
  '_',
  "'",
  'A',
  'N',
  'D',
  'O',
  'R',
  'T',
  'a',
  'z',
  '0',
  '9',
  'é',
  'ß',
  'İ',
  'Σ',
  '😀',
  '\u00a0',
);
const anyChar = fc.oneof(
  tricky,
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }).filter((c) => !c.includes('\0')),
);
const text = (minLength = 0) => fc.string({ unit: anyChar, minLength, maxLength: 8 });
const ident = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,7}$/);

/** A regex body as the lexer leaves it: escape pairs never `\/`, no trailing backslash. */
const regexPattern = fc
  .array(
    fc.oneof(
      anyChar.filter((c) => c !== '\\'),
      anyChar.filter((c) => c !== '/').map((c) => `\\${c}`),
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((parts) => parts.join(''));

const anyLeaf: fc.Arbitrary<Node> = fc.oneof(
  text().map((value): Node => ({ type: 'text', value })),
  fc
    .record({ pattern: regexPattern, ignoreCase: fc.boolean() })
    .map((r): Node => ({ type: 'regex', ...r })),
  fc
    .record({
      name: ident,
      path: fc.array(text(), { maxLength: 3 }),
      op: fc.constantFrom(...OPS),
      value: text(),
    })
    .map((f): Node => ({ type: 'field', ...f })),
);

/** Normalized trees: AND/OR have 2+ children and never hold their own kind. */
function tree(leaf: fc.Arbitrary<Node>, maxDepth: number): fc.Arbitrary<Node> {
  const { node } = fc.letrec<{ node: Node }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', maxDepth, withCrossShrink: true },
      leaf,
      tie('node').map((child): Node => ({ type: 'not', child })),
      fc
        .array(
          tie('node').filter((n) => n.type !== 'and'),
          { minLength: 2, maxLength: 4 },
        )
        .map((children): Node => ({ type: 'and', children })),
      fc
        .array(
          tie('node').filter((n) => n.type !== 'or'),
          { minLength: 2, maxLength: 4 },
        )
        .map((children): Node => ({ type: 'or', children })),
    ),
  }));
  return node;
}

export const anyAst = tree(anyLeaf, 4);

// ---- valid queries over the record pools below

const NEEDLES = [
  'a',
  'B',
  'ab',
  'error',
  'ERR',
  'time',
  '%',
  '_',
  '\\',
  'ß',
  'SS',
  'ä',
  'Ä',
  'i',
  'İ',
  'σ',
  'Σ',
  '😀',
  '42',
  '-',
  ' ',
  'a b',
  '"',
  // Hex runs of 8+ digits: merged packs' id filter (core/id-bloom.ts) must not prune them.
  'DEADbeef0123',
  '4b8abec89a2f27fd',
  'beef0123',
];
const REGEX_ATOMS = [
  'a',
  'B',
  'é',
  '😀',
  '%',
  '\\.',
  '\\\\',
  '\\d',
  '\\D',
  '\\s',
  '\\w',
  '\\W',
  '.',
  '[ab]',
  '[^a]',
  '[a-c]',
  '[\\d_]',
  '\\/',
  '\\n',
  '\\u00e4',
  'ß',
];
const CONTAINERS = ['web', 'api-1', 'api-2', 'Web', '100%', 'a_c', 'my app', '', 'x\\y'];
const IDS = ['0123456789abcdef0123', 'abcdef0123456789aaaa', '0123456789ab'];
const WORDS = ['h1', 'H1', 'shop', 'db-1', 'docker.x', '', '%', 'é'];
const KEYS = ['x', 'y', 'n', 'user_id', 'a.b', '', 'tags', 'http'];
const SEGMENTS = [
  ...KEYS,
  'status',
  '0',
  '1',
  '-1',
  '+1',
  ' 1',
  '1 ',
  '01',
  '-0',
  '2147483648',
  '-3',
];
const NUMBERS = ['0', '-0', '1', '42', '0.5', '-3', '1e3', '0.3', '1e21', '-1e-7', '500', '007'];
const VALUES = [...NUMBERS, 'true', 'false', 'a', '', '*', 'a*', '*b*', '5xx', '%', 'é'];

export const regexSource: fc.Arbitrary<string> = fc.letrec<{ re: string }>((tie) => ({
  re: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    fc.constantFrom(...REGEX_ATOMS),
    fc.constantFrom('^', '$', '\\b', '\\B'),
    fc.tuple(tie('re'), tie('re')).map(([a, b]) => a + b),
    fc.tuple(tie('re'), tie('re')).map(([a, b]) => `(${a}|${b})`),
    fc
      .tuple(
        fc.constantFrom(...REGEX_ATOMS),
        fc.constantFrom('*', '+', '?', '{0,2}', '{2}', '{1,}', '*?'),
      )
      .map(([a, q]) => a + q),
    fc.tuple(tie('re'), fc.constantFrom('*', '+', '?', '{0,2}')).map(([a, q]) => `(?:${a})${q}`),
  ),
})).re;

const field = (
  name: string,
  value: fc.Arbitrary<string>,
  op: fc.Arbitrary<Op> = fc.constant(':'),
) => fc.record({ op, value }).map((f): Node => ({ type: 'field', name, path: [], ...f }));

const glob = (pool: string[]) =>
  fc.oneof(
    fc.constantFrom(...pool, '*'),
    fc.constantFrom(...pool).map((v) => `${v.slice(0, 1)}*`),
  );

const validLeaf: fc.Arbitrary<Node> = fc.oneof(
  fc.constantFrom(...NEEDLES).map((value): Node => ({ type: 'text', value })),
  fc
    .record({ pattern: regexSource, ignoreCase: fc.boolean() })
    .map((r): Node => ({ type: 'regex', ...r })),
  field('container', fc.oneof(glob(CONTAINERS), fc.constantFrom(...IDS))),
  field('container_id', glob(IDS.map((i) => i.slice(0, 4)))),
  ...['project', 'service', 'host', 'tag', 'app'].map((n) => field(n, glob(WORDS))),
  field('stream', fc.constantFrom('stdout', 'stderr', 'STDERR')),
  field('source', fc.constantFrom('forward', 'syslog')),
  field(
    'level',
    fc.constantFrom('0', '3', '7', 'err', 'warn', 'emerg', 'debug'),
    fc.constantFrom(...OPS),
  ),
  fc
    .record({
      path: fc
        .tuple(fc.constantFrom(...KEYS), fc.array(fc.constantFrom(...SEGMENTS), { maxLength: 2 }))
        .map(([head, rest]) => [head, ...rest]),
      cmp: fc.oneof(
        fc.record({ op: fc.constant<Op>(':'), value: fc.constantFrom(...VALUES) }),
        fc.record({
          op: fc.constantFrom<Op>('>=', '<=', '>', '<'),
          value: fc.constantFrom(...NUMBERS),
        }),
      ),
    })
    .map(({ path, cmp }): Node => ({ type: 'field', name: 'attrs', path, ...cmp })),
);

export const validAst = tree(validLeaf, 3);

// ---- records

const pick = <T>(xs: T[]) => fc.constantFrom(...xs);
const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null, freq: 3 });

const MESSAGE_PARTS = [
  ...NEEDLES,
  'x',
  'timeout',
  'error 42',
  'GET /api',
  '\n',
  'STRASSE',
  'é',
  'É',
  'İ',
  '١',
  '\u00a0',
  '\u212a',
  'k',
  'cafe',
  '0123456789abcdef',
];

const attrValue: fc.Arbitrary<AttrValue> = fc.letrec<{ v: AttrValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', maxDepth: 2 },
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer({ min: -5, max: 600 }),
    pick(NUMBERS.map(Number)),
    pick([...VALUES, ' 501', '1e3', '-3.5', '0.30000000000000004']),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(pick(SEGMENTS), tie('v'), { maxKeys: 3 }),
  ),
})).v;

/** Arrays under `tags` often, so that index paths (0, -1, ' 1', ...) find something. */
const attrs: fc.Arbitrary<Attrs> = fc
  .tuple(
    fc.dictionary(pick(KEYS), attrValue, { maxKeys: 4 }),
    fc.option(fc.array(pick<AttrValue>(['a', 'b', 1, 500, true, null, '42']), { maxLength: 4 }), {
      nil: undefined,
    }),
  )
  .map(([base, tags]) => (tags === undefined ? base : { ...base, tags }));

export const sampleRecord: fc.Arbitrary<StoredRecordLike> = fc.record({
  message: fc.array(pick(MESSAGE_PARTS), { maxLength: 5 }).map((p) => p.join('')),
  source: pick(['forward', 'syslog'] as const),
  host: nullable(pick(WORDS)),
  container_id: nullable(pick(IDS)),
  container_name: nullable(pick(CONTAINERS)),
  stream: nullable(pick(['stdout', 'stderr'] as const)),
  tag: nullable(pick(WORDS)),
  app: nullable(pick(WORDS)),
  project: nullable(pick(WORDS)),
  service: nullable(pick(WORDS)),
  severity: nullable(fc.integer({ min: 0, max: 7 })),
  attrs: nullable(attrs),
});

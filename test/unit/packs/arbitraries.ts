/**
 * Records for the pack tests: one label set per pack, every odd value a normalized record
 * may hold (lone surrogates in attrs, numbers past 2^53 as strings, -0, nested attrs,
 * `__proto__` keys, invalid UTF-8 kept in attrs.raw_base64, ANSI escapes, empty lines), and
 * JSON / logfmt lines whose fields the collector copied into attrs, with and without attrs
 * of their own, sometimes in conflict with them.
 */
import fc from 'fast-check';
import { setAttr } from '../../../core/normalize/attrs.js';
import { parseStructuredLine } from '../../../core/normalize/structured-line.js';
import type { PackLabels } from '../../../core/packs/labels.js';
import type { PackRow } from '../../../core/packs/encode.js';
import {
  MAX_TS_SEC,
  MIN_TS_SEC,
  type AttrValue,
  type Attrs,
  type LogRecord,
} from '../../../core/record.js';

/** Any UTF-16 code unit, lone surrogates included. */
export const anyString = fc.string({ unit: fc.nat(0xffff).map((c) => String.fromCharCode(c)) });
/** Text as collectors make it (any code point), plus ANSI escapes and control characters. */
export const text = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string(),
  fc.constantFrom(
    '',
    ' ',
    '\x1b[31mred\x1b[0m done',
    'tab\there\r',
    '\u2400',
    '\ufeffBOM',
    'ß İ ǅ K',
  ),
);
/** A message: mostly text, now and then a string JSON could not hold (lone surrogates). */
const message = fc.oneof({ weight: 8, arbitrary: text }, { weight: 1, arbitrary: anyString });

const attrNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(-0, 2 ** 53 - 1, 1e21, -1e-300, 5e-324),
);
const { attrValue } = fc.letrec<{ attrValue: AttrValue }>((tie) => ({
  attrValue: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    anyString,
    attrNumber,
    fc.constantFrom('9007199254740993', '18446744073709551615', '-0'),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('attrValue'), { maxLength: 4 }),
    fc.dictionary(anyString, tie('attrValue'), { maxKeys: 4 }),
  ),
}));
const attrKey = fc.oneof(
  anyString,
  fc.constantFrom('__proto__', 'level', 'msg', 'n', 'com.docker.compose.service', '1', 'é'),
);
/** Plain data (fast-check's dictionaries have no prototype; records from JSON do). */
const plain = (a: Attrs): Attrs => {
  const out: Attrs = {};
  for (const k of Object.keys(a)) setAttr(out, k, a[k]!);
  return out;
};
export const attrs: fc.Arbitrary<Attrs> = fc
  .dictionary(attrKey, attrValue, { maxKeys: 5 })
  .map(plain);
/** What labels and env look like: a few entries repeated on every line of a container. */
const labelAttrs = fc.constantFrom<Attrs>(
  { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' },
  { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web', env: 'prod' },
  { raw_base64: '/w==' },
  { partial_parts: 3, partial_unfinished: true },
);

const jsonFields = fc.dictionary(
  fc.oneof(fc.constantFrom('level', 'msg', 'ts', 'n', 'log', 'user', '__proto__'), anyString),
  fc.oneof(attrValue, fc.constantFrom('info', 'error', 30, 'warn')),
  { maxKeys: 6 },
);
const logfmtLine = fc
  .tuple(
    fc.constantFrom('info', 'error', 'debug', 'WARN', '"quoted level"'),
    fc.array(
      fc.tuple(
        fc.stringMatching(/^[A-Za-z_][\w.-]{0,8}$/),
        fc.oneof(
          fc.stringMatching(/^[^\s"]{0,10}$/),
          text.map((t) => JSON.stringify(t)),
        ),
      ),
      { maxLength: 5 },
    ),
    fc.constantFrom('', 'msg="hello world" ', 'prefix '),
  )
  .map(
    ([level, pairs, lead]) =>
      `${lead}level=${level} ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`,
  );
const jsonLine = fc
  .tuple(jsonFields, fc.constantFrom('', ' ', '\n'))
  .map(([f, tail]) => JSON.stringify(f) + tail);

/** A message and attrs as the collector builds them, then perhaps changed afterwards. */
const structured: fc.Arbitrary<{ message: string; attrs: Attrs | null }> = fc
  .tuple(
    fc.oneof(jsonLine, logfmtLine),
    fc.option(fc.oneof(labelAttrs, attrs)),
    fc.constantFrom('as collected', 'as collected', 'field dropped', 'field changed', 'no attrs'),
  )
  .map(([msg, own, how]) => {
    const a: Attrs = own ? plain(own) : {};
    const fields = parseStructuredLine(msg)?.fields ?? {};
    for (const [k, v] of Object.entries(fields)) if (!Object.hasOwn(a, k)) setAttr(a, k, v);
    const keys = Object.keys(fields);
    if (how === 'field dropped' && keys.length > 0) delete a[keys[0]!];
    if (how === 'field changed' && keys.length > 0) setAttr(a, keys[0]!, ['changed']);
    if (how === 'no attrs') return { message: msg, attrs: null };
    return { message: msg, attrs: Object.keys(a).length > 0 ? a : null };
  });

const plainLine = fc.tuple(message, fc.option(fc.oneof(labelAttrs, attrs))).map(([m, a]) => ({
  message: m,
  attrs: a === null ? null : plain(a),
}));

export const tsSec = fc.oneof(
  fc.integer({ min: MIN_TS_SEC, max: MAX_TS_SEC }),
  fc.integer({ min: 1_764_000_000, max: 1_764_000_100 }),
  fc.constantFrom(MIN_TS_SEC, MAX_TS_SEC, -1, 0),
);
const tsNano = fc.oneof(
  fc.integer({ min: 0, max: 999_999_999 }),
  fc.integer({ min: 0, max: 999_999 }).map((u) => u * 1000),
  fc.integer({ min: 0, max: 999 }).map((m) => m * 1_000_000),
  fc.constant(0),
);
const receivedAt = fc.oneof(
  fc.integer({ min: 1.7e12, max: 1.7e12 + 10_000 }),
  fc.integer({ min: -(2 ** 49), max: 2 ** 49 }),
  // Legacy rows read back from microseconds.
  fc.integer({ min: 1.7e15, max: 1.7e15 + 1e6 }).map((us) => us / 1000),
  fc.double(),
);
const small = (max: number) =>
  fc.option(fc.oneof(fc.integer({ min: 0, max }), fc.constantFrom(254, 255, 300, -5, 32767)), {
    freq: 3,
  });

export const labels: fc.Arbitrary<PackLabels> = fc.record({
  source: fc.constantFrom('forward', 'syslog'),
  host: fc.option(text),
  container_id: fc.option(fc.constantFrom('a'.repeat(64), 'f00d')),
  container_name: fc.option(fc.oneof(text, fc.constant('shop-web-1'))),
  stream: fc.constantFrom(null, 'stdout', 'stderr'),
  tag: fc.option(text),
  app: fc.option(text),
  project: fc.option(text),
  service: fc.option(text),
});

/** One record's own columns (labels come from the pack). */
const body = fc.record({
  tsSec,
  tsNano,
  receivedAt,
  severity: small(7),
  facility: small(23),
  line: fc.oneof(plainLine, structured),
});

export function withLabels(
  l: PackLabels,
  b: {
    tsSec: number;
    tsNano: number;
    receivedAt: number;
    severity: number | null;
    facility: number | null;
    line: { message: string; attrs: Attrs | null };
  },
): LogRecord {
  return {
    tsSec: b.tsSec,
    tsNano: b.tsNano,
    receivedAt: b.receivedAt,
    source: l.source,
    host: l.host,
    containerId: l.container_id,
    containerName: l.container_name,
    stream: l.stream,
    tag: l.tag,
    app: l.app,
    project: l.project,
    service: l.service,
    severity: b.severity,
    facility: b.facility,
    message: b.line.message,
    attrs: b.line.attrs,
  };
}

/** Ascending ids with gaps (other streams' rows fall between), up to 2^53. */
const ids = (n: number) =>
  fc
    .tuple(
      fc.oneof(fc.nat(1000), fc.integer({ min: 0, max: 2 ** 52 })),
      fc.array(fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 ** 40 })), {
        minLength: n,
        maxLength: n,
      }),
    )
    .map(([first, gaps]) => {
      let id = first;
      return gaps.map((g) => (id += g));
    });

/** One pack's rows: one label set, ascending ids. */
export const packRows: fc.Arbitrary<PackRow[]> = fc
  .tuple(labels, fc.array(body, { minLength: 1, maxLength: 40 }))
  .chain(([l, bodies]) =>
    ids(bodies.length).map((is) =>
      bodies.map((b, i) => ({ id: is[i]!, record: withLabels(l, b) })),
    ),
  );

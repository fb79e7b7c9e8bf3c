/**
 * The spool writes a JSON or logfmt line's attrs without the fields the line gives
 * (collector/spool/unit-codec.ts, attrs state 3) and rebuilds them on decode. Records come
 * from the collector's own normalizer, so the attrs are exactly as the listeners make them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeForwardEvent } from '../../../collector/forward/forward-record.js';
import { decodeUnit, encodeUnit } from '../../../collector/spool/unit-codec.js';
import type { LogRecord } from '../../../core/record.js';

const T = 1_764_000_000;
const ID = 'a'.repeat(64);

function docker(log: string, extra: Record<string, unknown> = {}): LogRecord {
  const rec = { container_id: ID, container_name: '/web', source: 'stdout', log, ...extra };
  return normalizeForwardEvent('docker.web', T, 5, rec, null).record;
}

const key = fc.oneof(
  fc.stringMatching(/^[a-z_][a-z0-9_.-]{0,6}$/),
  fc.constantFrom('level', 'msg', '__proto__', 'com.docker.compose.service'),
);
const value = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 2 }),
);
/** A JSON line, a logfmt line with a level, or plain text. */
const line = fc.oneof(
  fc.dictionary(key, value, { maxKeys: 6 }).map((d) => JSON.stringify(d)),
  fc
    .array(fc.tuple(key, fc.string({ maxLength: 8 })), { maxLength: 5 })
    .map((a) => `level=info ${a.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`),
  fc.string(),
);
/** What a sender adds beside the line (labels, env), sometimes a key the line has too. */
const extra = fc.dictionary(key, fc.oneof(fc.string({ maxLength: 8 }), fc.constant('info')), {
  maxKeys: 3,
});

const copy = (r: LogRecord) => structuredClone(r);

describe('spool: attrs a line gives', () => {
  it('round-trip exactly, key order included, whatever the line and the sender add', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(line, extra, fc.option(key)), { minLength: 1, maxLength: 6 }),
        (lines) => {
          const records = lines.map(([l, e, after]) => {
            const r = docker(l, e);
            // A key set after the line's fields (as the multi-line joiner sets multiline_kind).
            if (after !== null) r.attrs = { ...r.attrs, [after]: 'added later' };
            return r;
          });
          const expected = records.map(copy);
          const back = decodeUnit(encodeUnit({ records })).records;
          expect(back).toStrictEqual(expected);
          back.forEach((r, i) =>
            expect(Object.keys(r.attrs ?? {})).toEqual(Object.keys(expected[i]!.attrs ?? {})),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('are not written a second time', () => {
    const json = docker('{"level":"info","msg":"payment authorized","trace_id":"9ce301f0b882"}', {
      'com.docker.compose.service': 'billing',
    });
    // As long as the same record with only the sender's key: the line's fields are not in it.
    const ownOnly = { ...json, attrs: { 'com.docker.compose.service': 'billing' } };
    expect(encodeUnit({ records: [json] }).length).toBe(encodeUnit({ records: [ownOnly] }).length);
    expect(JSON.stringify(json.attrs).length).toBeGreaterThan(90);
    expect(decodeUnit(encodeUnit({ records: [json] })).records[0]!.attrs).toStrictEqual({
      'com.docker.compose.service': 'billing',
      level: 'info',
      msg: 'payment authorized',
      trace_id: '9ce301f0b882',
    });
  });

  it('a unit whose derived attrs meet a message without fields is an error', () => {
    const r = docker('level=warn msg=x');
    const buf = encodeUnit({ records: [r] });
    // The same unit with the message's first byte changed: "level" no longer starts a pair.
    const at = buf.indexOf(Buffer.from('level=warn'));
    expect(at).toBeGreaterThan(0);
    buf[at] = 0x31; // "1evel=warn": logfmt needs a level (or lvl) key
    expect(() => decodeUnit(buf)).toThrow(/derived attrs/);
  });
});

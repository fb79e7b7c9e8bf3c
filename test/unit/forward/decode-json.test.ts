import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRequest } from '../../../collector/forward/decode.js';
import { ForwardDecodeError } from '../../../collector/forward/errors.js';
import { ForwardFramer } from '../../../collector/forward/framer.js';
import { limits, NOW_NANO, NOW_SEC } from '../../support/msgpack-bytes.js';

const decode = (text: string, l = limits) => decodeRequest(Buffer.from(text), 'json', l);

function fatalOf(text: string): ForwardDecodeError {
  try {
    decode(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ForwardDecodeError);
    return e as ForwardDecodeError;
  }
  throw new Error('decode did not throw');
}

describe('JSON connections', () => {
  it('decodes a Message with an integer time and an option', () => {
    expect(decode('["app.web", 1700000000, {"log": "hi", "n": 1}, {"chunk": "abc"}]')).toEqual({
      kind: 'message',
      tag: 'app.web',
      events: [{ tsSec: 1700000000, tsNano: 0, record: { log: 'hi', n: 1 } }],
      option: { chunk: 'abc' },
      skipped: [],
    });
  });

  it('splits a float time and takes 0 and null as now', () => {
    expect(decode('["t", 1700000000.5, {}]').events[0]).toMatchObject({
      tsSec: 1700000000,
      tsNano: 500000000,
    });
    for (const t of ['0', 'null']) {
      expect(decode(`["t", ${t}, {}]`).events[0]).toMatchObject({
        tsSec: NOW_SEC,
        tsNano: NOW_NANO,
      });
    }
  });

  it('decodes Forward, Fluent Bit v2 entries and a v2 Message time', () => {
    const req = decode(
      '["t", [[1, {"a": 1}], [[2, {"m": true}], {"b": 2}], "bad", [3, "nope"]], {"chunk": 7}]',
    );
    expect(req.kind).toBe('forward');
    expect(req.events).toEqual([
      { tsSec: 1, tsNano: 0, record: { a: 1 } },
      { tsSec: 2, tsNano: 0, record: { b: 2 }, meta: { m: true } },
    ]);
    expect(req.skipped.map((s) => s.index)).toEqual([2, 3]);
    expect(req.option).toEqual({ chunk: 7 });
    expect(decode('["t", [5, {"k": "v"}], {"x": 1}]').events).toEqual([
      { tsSec: 5, tsNano: 0, record: { x: 1 }, meta: { k: 'v' } },
    ]);
  });

  it('skips events with a bad time or a non-object record', () => {
    const req = decode('["t", "yesterday", {"a": 1}, {"chunk": "c"}]');
    expect(req.events).toEqual([]);
    expect(req.skipped[0]!.reason).toMatch(/time is a string/);
    expect(req.option).toEqual({ chunk: 'c' });
    expect(decode('["t", 1, [1, 2]]').skipped[0]!.reason).toBe('record is not a map');
  });

  it('renames __proto__ at any depth and pollutes nothing', () => {
    const rec = decode(
      '["t", 1, {"__proto__": {"polluted": 1}, "a": {"__proto__": {"polluted": 2}}}]',
    ).events[0]!.record;
    expect(rec).toEqual({ __proto_: { polluted: 1 }, a: { __proto_: { polluted: 2 } } });
    expect(Object.getPrototypeOf(rec)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('recognises a PING', () => {
    expect(decode('["PING", "host", "salt", "digest", "", ""]').handshake).toEqual([
      'PING',
      'host',
      'salt',
      'digest',
      '',
      '',
    ]);
  });

  it.each([
    ['an object', '{"log": "x"}'],
    ['invalid JSON', '["t", 1, {]'],
    ['a number tag', '[1, 1, {}]'],
    ['a PackedForward string', '["t", "payload"]'],
    ['one element', '["t"]'],
    ['a Message without record', '["t", 1]'],
  ])('refuses %s as fatal', (_name, text) => {
    expect(fatalOf(text).fatal).toBe(true);
  });

  it('refuses more than maxEvents events, non-fatally', () => {
    const text = `["t", [${new Array(6).fill('[1, {}]').join(',')}]]`;
    expect(decode(text, { ...limits, maxEvents: 6 }).events).toHaveLength(6);
    let err: unknown;
    try {
      decode(text, { ...limits, maxEvents: 5 });
    } catch (e) {
      err = e;
    }
    expect((err as ForwardDecodeError).fatal).toBe(false);
  });

  it('property: random JSON texts through the framer only raise ForwardDecodeError', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { minLength: 1, maxLength: 4 }), (values) => {
        const framer = new ForwardFramer(1 << 20);
        try {
          const text = values.map((v) => JSON.stringify(Array.isArray(v) ? v : [v])).join('\n');
          for (const f of framer.push(Buffer.from(text))) decodeRequest(f, 'json', limits);
        } catch (e) {
          expect(e).toBeInstanceOf(ForwardDecodeError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

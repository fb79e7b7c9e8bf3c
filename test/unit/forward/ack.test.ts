import { createRequire } from 'node:module';
import { unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { encodeAck } from '../../../collector/forward/ack.js';
import { decodeRequest } from '../../../collector/forward/decode.js';
import { ForwardFramer } from '../../../collector/forward/framer.js';
import { arr, bin, cat, fixture, limits, mapOf, pack, str } from '../../support/msgpack-bytes.js';

/** The msgpack decoder fluent-logger-node reads acks with. */
const msgpackLite = createRequire(import.meta.url)('msgpack-lite') as {
  decode(b: Buffer): unknown;
};

describe('encodeAck', () => {
  it('answers {"ack": chunk} with the chunk as a str', () => {
    const ack = encodeAck('p8n9gmxTQVC8/nh2wlKKeQ==', 'msgpack');
    expect(ack).toEqual(cat([0x81], str('ack'), str('p8n9gmxTQVC8/nh2wlKKeQ==')));
    expect(msgpackLite.decode(ack)).toEqual({ ack: 'p8n9gmxTQVC8/nh2wlKKeQ==' });
  });

  it('echoes a bin chunk as bin, and other types as they came', () => {
    const chunk = Buffer.from([1, 2, 0xff]);
    const req = decodeRequest(
      cat(arr(4), str('t'), pack(1), pack({}), mapOf([['chunk', bin(chunk)]])),
      'msgpack',
      limits,
    );
    const ack = encodeAck(req.option?.chunk, 'msgpack');
    expect(ack).toEqual(cat([0x81], str('ack'), bin(chunk)));
    expect(unpack(encodeAck(42, 'msgpack'))).toEqual({ ack: 42 });
  });

  it('answers JSON on a JSON connection', () => {
    expect(encodeAck('abc', 'json').toString()).toBe('{"ack":"abc"}');
    expect(encodeAck(7, 'json').toString()).toBe('{"ack":7}');
  });

  it('round-trips every chunk of the Docker ack capture', () => {
    const framer = new ForwardFramer(1 << 20);
    for (const frame of framer.push(fixture('fluentd-ack-subsecond.bin'))) {
      const { option } = decodeRequest(frame, 'msgpack', limits);
      expect(typeof option?.chunk).toBe('string');
      expect(msgpackLite.decode(encodeAck(option?.chunk, 'msgpack'))).toEqual({
        ack: option?.chunk,
      });
    }
  });
});

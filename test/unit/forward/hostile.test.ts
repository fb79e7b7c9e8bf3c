/**
 * The whole pure pipeline (framer, then decode of each frame) against input meant to hurt:
 * it may refuse with a ForwardDecodeError, never with anything else, and it always returns.
 * Random bytes and mutated Docker captures in random chunks: the forward-stream fuzz
 * property (test/fuzz/forward.ts, run in CI by test/unit/fuzz.test.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRequest } from '../../../collector/forward/decode.js';
import { ForwardDecodeError } from '../../../collector/forward/errors.js';
import { ForwardFramer } from '../../../collector/forward/framer.js';
import { fixture, limits, pack } from '../../support/msgpack-bytes.js';

/** Feed `pieces` to a fresh framer and decode every frame; returns the requests decoded. */
function pipeline(pieces: Buffer[], maxFrameBytes = 4096): number {
  const framer = new ForwardFramer(maxFrameBytes, 16);
  let requests = 0;
  for (const p of pieces) {
    for (const frame of framer.push(p)) {
      decodeRequest(frame, framer.mode ?? 'msgpack', { ...limits, maxDepth: 16, maxEvents: 1000 });
      requests++;
    }
  }
  return requests;
}

function onlyDecodeErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ForwardDecodeError);
  }
}

describe('hostile input through framer and decoder', () => {
  it('a truncated request never throws: it waits for the rest', () => {
    const buf = fixture('fluentd-default.bin');
    const whole = new ForwardFramer(1 << 20).push(buf);
    let complete = 0;
    let end = 0;
    for (let cut = 0; cut <= buf.length; cut++) {
      while (complete < whole.length && end + whole[complete]!.length <= cut)
        end += whole[complete++]!.length;
      const framer = new ForwardFramer(1 << 20);
      expect(framer.push(buf.subarray(0, cut))).toHaveLength(complete);
      expect(framer.pendingBytes).toBe(cut - end);
    }
  });

  it('property: valid requests with random bytes spliced in, in random chunks', () => {
    const valid = Buffer.concat([
      pack(['app', 1700000000, { log: 'hello', n: [1, 2, { deep: true }] }, { chunk: 'abc' }]),
      pack([
        'app',
        [
          [1, { a: 1 }],
          [2, { b: 2 }],
        ],
      ]),
      Buffer.from([0xc0]),
    ]);
    fc.assert(
      fc.property(
        fc.nat(valid.length),
        fc.uint8Array({ maxLength: 16 }),
        fc.uniqueArray(fc.nat(valid.length + 16), { maxLength: 6 }),
        (at, junk, cuts) => {
          const buf = Buffer.concat([valid.subarray(0, at), Buffer.from(junk), valid.subarray(at)]);
          const offsets = cuts.filter((c) => c < buf.length).sort((a, b) => a - b);
          const pieces = [0, ...offsets].map((o, i) => buf.subarray(o, offsets[i] ?? buf.length));
          onlyDecodeErrors(() => pipeline(pieces));
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('decodes the valid stream itself to its three requests', () => {
    const valid = Buffer.concat([
      pack(['a', 1, { x: 1 }]),
      pack(['b', [[1, { y: 2 }]]]),
      Buffer.from([0xc0]),
    ]);
    expect(pipeline([valid])).toBe(3);
  });
});

/**
 * The fuzz properties of test/fuzz/properties.ts, briefly (each property's `ciRuns`), so
 * CI keeps them honest between long runs of `npm run fuzz`; and the regressions those
 * long runs found, each the counterexample run.ts printed (cut down by hand where that
 * made it readable), named after what broke.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRequest } from '../../collector/forward/decode.js';
import { SyslogFramer } from '../../collector/syslog/framing.js';
import { PROPERTIES, fuzzProperty } from '../fuzz/properties.js';

describe('fuzz properties (brief)', () => {
  it.each(PROPERTIES.map((p) => [p.name, p] as const))('%s', (_name, p) => {
    fc.assert(
      fc.property(p.arbitrary, (input) => p.check(input)),
      { numRuns: p.ciRuns },
    );
  });
});

/** Frames of `text` pushed in pieces cut at `cuts`, then flushed, with the error count. */
function frames(text: string, cuts: number[], limit: number): [string[], number] {
  const framer = new SyslogFramer(limit);
  const out: string[] = [];
  const bytes = Buffer.from(text, 'latin1');
  [0, ...cuts].forEach((c, i) => {
    for (const f of framer.push(bytes.subarray(c, cuts[i] ?? bytes.length))) {
      out.push(f.toString('latin1'));
    }
  });
  for (const f of framer.flush()) out.push(f.toString('latin1'));
  return [out, framer.errors];
}

describe('fuzz regressions', () => {
  // Found by the syslog-framer property (issue 6 fuzzing): a newline frame over the limit
  // kept a trailing NUL when the line spanned chunks, and lost it (trimmed) when whole.
  it('syslog-framer: a line cut at the limit is trimmed the same, split or not', () => {
    const input = { prefix: [], rest: Buffer.from('<13>abc\0 more\n'), cuts: [9], limit: 8 };
    fuzzProperty('syslog-framer').check(input);
    expect(frames('<13>abc\0 more\n', [9], 8)).toEqual([['<13>abc'], 1]);
  });

  // Found by the syslog-framer property: after cutting a line that spanned chunks the
  // framer skipped to the next LF, past a NUL that ends the frame; in one chunk it
  // stopped at that NUL, so the message after it was lost only when TCP split the line.
  it('syslog-framer: the rest of a cut line ends at a frame-ending NUL, split or not', () => {
    const text = '<13>abcdefgh\0<13>next\n';
    fuzzProperty('syslog-framer').check({
      prefix: [],
      rest: Buffer.from(text),
      cuts: [10],
      limit: 8,
    });
    expect(frames(text, [10], 8)).toEqual([['<13>abcd', '<13>next'], 1]);
  });

  // Found by the syslog-framer property: a line of exactly the limit whose ending NUL
  // was the last byte of a chunk was counted and cut as too long (the NUL took a byte of
  // room before the next chunk showed it ends the frame).
  it('syslog-framer: a line of exactly the limit ending in a NUL at a chunk end fits', () => {
    const text = '<13>abcd\0<13>x\n';
    fuzzProperty('syslog-framer').check({
      prefix: [],
      rest: Buffer.from(text),
      cuts: [9],
      limit: 8,
    });
    expect(frames(text, [9], 8)).toEqual([['<13>abcd', '<13>x'], 0]);
  });

  // Found by the forward-decode property: a float time far past year 9999 (float32
  // 0x6bc17371, 4.7e26 s) decodes to a whole but unsafe number of seconds. Not a decoder
  // bug (the invariant asked for a safe integer): the writer clamps such times and keeps
  // the original in attrs (test/integration/retention-size.test.ts stores one).
  it('forward-decode: a float32 time of 4.7e26 s is passed on as whole seconds', () => {
    const frame = Buffer.from([
      0x93, 0xa1, 0x74, 0xca, 0x6b, 0xc1, 0x73, 0x71, 0x81, 0xa1, 0x61, 1,
    ]);
    fuzzProperty('forward-decode').check(frame);
    const r = decodeRequest(frame, 'msgpack', { maxDecompressedBytes: 1024, maxDepth: 8 });
    expect(r.events.map((e) => [e.tsSec, e.tsNano])).toEqual([[frame.readFloatBE(4), 0]]);
  });
});

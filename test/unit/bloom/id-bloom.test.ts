/**
 * The id filter (core/id-bloom.ts): never prunes a pack that holds the needle (any piece of
 * any hex run, any case, runs of any length, other text around), and prunes what the
 * trigram filter cannot: a 32-hex trace id among thousands of other trace ids.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ID_WINDOW, idBloom, needleIdPositions } from '../../../core/id-bloom.js';
import { packBloom } from '../../../core/packs/bloom.js';
import { BLOOM_MIN_BITS, bloomHas, needleBitPositions } from '../../../core/trigram-bloom.js';

const hexDigit = fc.constantFrom(...'0123456789abcdefABCDEF');
const hexRun = fc.array(hexDigit, { minLength: 1, maxLength: 48 }).map((d) => d.join(''));
const other = fc.oneof(
  fc.constantFrom(' ', '-', '=', 'g', 'xyz', 'é', '日本', '😀', '\n', '"trace_id":"'),
  fc.string({ maxLength: 6 }),
);
/** Messages made of hex runs and other text, so runs meet, split and touch non-ASCII. */
const message = fc.array(fc.oneof(hexRun, other), { maxLength: 12 }).map((p) => p.join(''));

/** A piece of `m` (any start, any length), case flipped at random: what a search may ask. */
const pieceOf = (m: string) =>
  fc.tuple(fc.nat(m.length), fc.nat(m.length), fc.boolean()).map(([a, b, upper]) => {
    const p = m.slice(Math.min(a, b), Math.max(a, b));
    return upper ? p.replace(/[a-f]/g, (c) => c.toUpperCase()) : p;
  });

/** A 32-hex id, the same on every run (the n-th of its kind). */
let made = 0;
function traceId(): string {
  return createHash('sha256').update(`trace ${made++}`).digest('hex').slice(0, 32);
}

describe('id bloom', () => {
  it('holds every kept window of every piece of every message it was built from', () => {
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 50 }).chain((ms) =>
          fc.tuple(
            fc.constant(ms),
            fc.nat(ms.length - 1).chain((i) => pieceOf(ms[i]!)),
          ),
        ),
        ([messages, needle]) => {
          const positions = needleIdPositions(needle);
          if (positions !== null) expect(bloomHas(idBloom(messages), positions)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a needle without a run of 8 hex digits has no id probe', () => {
    for (const n of ['deadbee', 'cafe-babe-0123', 'trace', '', '0123456 789', 'dead\u00e9beef0'])
      expect(needleIdPositions(n)).toBeNull();
    expect(ID_WINDOW).toBe(8);
  });

  it('upper and lower case hex give the same probe', () => {
    const id = traceId();
    expect(needleIdPositions(id.toUpperCase())).toEqual(needleIdPositions(id));
  });

  it('a pack of 16,384 lines with trace ids: an absent id is pruned, trigrams are not', () => {
    const messages = Array.from(
      { length: 16_384 },
      (_, i) =>
        `{"level":"info","msg":"payment authorized","trace_id":"${traceId()}",` +
        `"span_id":"${traceId().slice(0, 16)}","user_id":${100_000 + i}}`,
    );
    const ids = idBloom(messages);
    const trigrams = packBloom(messages);
    let idPass = 0;
    let trigramPass = 0;
    let probed = 0;
    for (let i = 0; i < 1000; i++) {
      const absent = traceId();
      const p = needleIdPositions(absent);
      if (p === null) continue;
      probed++;
      if (bloomHas(ids, p)) idPass++;
      if (bloomHas(trigrams, needleBitPositions(absent)!)) trigramPass++;
    }
    // (1/2)^25 of ids have no kept window; the rest are probed.
    expect(probed).toBe(1000);
    expect(trigramPass).toBe(probed);
    // About 1% here (the worst case: every line its own ids; see core/id-bloom.ts).
    expect(idPass / probed).toBeLessThan(0.02);
    // Present ids always pass.
    for (const m of messages.slice(0, 200)) {
      const id = /"trace_id":"([0-9a-f]{32})"/.exec(m)![1]!;
      const p = needleIdPositions(id);
      if (p !== null) expect(bloomHas(ids, p)).toBe(true);
    }
  });

  it('lines without ids cost the minimum size', () => {
    expect(idBloom(['GET /healthz 200 1ms', 'no ids here']).length).toBe(BLOOM_MIN_BITS / 8);
    expect(idBloom([]).length).toBe(BLOOM_MIN_BITS / 8);
  });
});

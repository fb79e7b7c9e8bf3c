/**
 * Structure-blind mutations of real inputs (captures, printed queries), as AFL and
 * libFuzzer apply them: a real frame damaged in a few places reaches far deeper into a
 * decoder than random bytes, which mostly fail at the first byte.
 *
 * Positions are plain naturals taken modulo the length at the time the mutation is
 * applied, so fast-check shrinks them towards the start and towards fewer edits.
 */
import fc from 'fast-check';

export type Mutation<T> =
  | { kind: 'set' | 'insert'; at: number; token: T[] }
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'dup'; at: number; len: number; to: number }
  | { kind: 'truncate'; at: number };

/** Up to `max` mutations whose inserted or overwritten units come from `token`. */
export function mutations<T>(token: fc.Arbitrary<T[]>, max = 6): fc.Arbitrary<Mutation<T>[]> {
  const at = fc.nat();
  const len = fc.integer({ min: 1, max: 64 });
  const one: fc.Arbitrary<Mutation<T>> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('set' as const), at, token }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('insert' as const), at, token }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at, len }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('dup' as const), at, len, to: fc.nat() }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at }) },
  );
  return fc.array(one, { minLength: 1, maxLength: max });
}

/** `base` with the mutations applied in order (a new array). */
export function applyMutations<T>(base: readonly T[], muts: readonly Mutation<T>[]): T[] {
  const out = [...base];
  for (const m of muts) {
    const at = m.at % (out.length + 1);
    switch (m.kind) {
      case 'set':
        out.splice(at, m.token.length, ...m.token);
        break;
      case 'insert':
        out.splice(at, 0, ...m.token);
        break;
      case 'delete':
        out.splice(at, m.len);
        break;
      case 'dup':
        out.splice(m.to % (out.length + 1), 0, ...out.slice(at, at + m.len));
        break;
      case 'truncate':
        out.length = at;
    }
  }
  return out;
}

/** Bytes worth inserting: one random byte, or a token from `dictionary`. */
export function byteToken(dictionary: readonly number[][]): fc.Arbitrary<number[]> {
  return fc.oneof(
    fc.integer({ min: 0, max: 255 }).map((b) => [b]),
    fc.constantFrom(...dictionary),
    fc.uint8Array({ minLength: 1, maxLength: 8 }).map((a) => [...a]),
  );
}

/**
 * A window of `base`: `fromEnd` units counted back from its end, then the first `keep`
 * of those. fast-check makes most naturals larger than any input here, so most windows
 * are the whole input; shrinking both towards 0 cuts the input down from both ends.
 */
function window<T>(base: readonly T[], fromEnd: number, keep: number): T[] {
  return base.slice(Math.max(0, base.length - fromEnd)).slice(0, keep);
}

/** One of `corpus`, damaged by a few mutations. */
export function mutatedBytes(
  corpus: readonly Buffer[],
  dictionary: readonly number[][],
): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.constantFrom(...corpus), fc.nat(), fc.nat(), mutations(byteToken(dictionary)))
    .map(([base, fromEnd, keep, muts]) =>
      Buffer.from(applyMutations(window([...base], fromEnd, keep), muts)),
    );
}

/** Text from `corpus`, damaged by a few mutations of its UTF-16 code units. */
export function mutatedText(
  corpus: fc.Arbitrary<string>,
  token: fc.Arbitrary<string>,
): fc.Arbitrary<string> {
  return fc
    .tuple(corpus, fc.nat(), fc.nat(), mutations(token.map((t) => t.split(''))))
    .map(([base, fromEnd, keep, muts]) =>
      applyMutations(window(base.split(''), fromEnd, keep), muts).join(''),
    );
}

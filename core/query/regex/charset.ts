/**
 * Sets of Unicode code points as sorted, disjoint, non-adjacent inclusive ranges
 * `[lo0, hi0, lo1, hi1, ...]`. Every character class of the regex dialect (literals,
 * `.`, `[...]`, `\d`, and the case-folded forms of all of them) becomes one of these, so
 * the two back ends see explicit code points and never a locale-dependent class.
 *
 * The universe excludes surrogates (U+D800..U+DFFF): PostgreSQL text is valid UTF-8, and
 * stored messages are cleaned of lone surrogates, so neither side can meet one.
 */
export type CharSet = number[];

export const MAX_CODE_POINT = 0x10ffff;

export const UNIVERSE: CharSet = [0, 0xd7ff, 0xe000, MAX_CODE_POINT];

/** ASCII only, as in PostgreSQL's C locale (the dialect is described in parse.ts). */
export const DIGIT: CharSet = [0x30, 0x39];
export const WORD: CharSet = [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a];
/** Tab, LF, VT, FF, CR and space: C isspace(). */
export const SPACE: CharSet = [0x09, 0x0d, 0x20, 0x20];

/** Sorts and merges arbitrary ranges (overlapping or adjacent ones become one). */
export function normalize(ranges: number[]): CharSet {
  const pairs: [number, number][] = [];
  for (let i = 0; i + 1 < ranges.length; i += 2) pairs.push([ranges[i]!, ranges[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: CharSet = [];
  for (const [lo, hi] of pairs) {
    const last = out.length - 1;
    if (last > 0 && lo <= out[last]! + 1) out[last] = Math.max(out[last]!, hi);
    else out.push(lo, hi);
  }
  return intersectUniverse(out);
}

function intersectUniverse(set: CharSet): CharSet {
  const out: CharSet = [];
  for (let i = 0; i < set.length; i += 2) {
    const lo = set[i]!;
    const hi = set[i + 1]!;
    if (hi < 0xd800 || lo > 0xdfff) out.push(lo, hi);
    else {
      if (lo < 0xd800) out.push(lo, 0xd7ff);
      if (hi > 0xdfff) out.push(0xe000, hi);
    }
  }
  return out;
}

/** The code points of the universe not in `set`. */
export function complement(set: CharSet): CharSet {
  const out: CharSet = [];
  let next = 0;
  for (let i = 0; i < set.length; i += 2) {
    if (set[i]! > next) out.push(next, set[i]! - 1);
    next = set[i + 1]! + 1;
  }
  if (next <= MAX_CODE_POINT) out.push(next, MAX_CODE_POINT);
  return intersectUniverse(out);
}

/** Adds the other ASCII case of every ASCII letter in `set` (the dialect's `i` flag). */
export function foldAsciiCase(set: CharSet): CharSet {
  const extra: number[] = [];
  for (let i = 0; i < set.length; i += 2) {
    const lo = set[i]!;
    const hi = set[i + 1]!;
    // Overlap with A-Z shifts to a-z and back.
    const ulo = Math.max(lo, 0x41);
    const uhi = Math.min(hi, 0x5a);
    if (ulo <= uhi) extra.push(ulo + 32, uhi + 32);
    const llo = Math.max(lo, 0x61);
    const lhi = Math.min(hi, 0x7a);
    if (llo <= lhi) extra.push(llo - 32, lhi - 32);
  }
  return extra.length === 0 ? set : normalize([...set, ...extra]);
}

export function contains(set: CharSet, cp: number): boolean {
  let lo = 0;
  let hi = set.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < set[2 * mid]!) hi = mid - 1;
    else if (cp > set[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

export function isEmpty(set: CharSet): boolean {
  return set.length === 0;
}

/**
 * The pack filter's trade-off (core/packs/bloom.ts): for packs of one stream at each size
 * and each fill limit, the filter's bytes per line, its bits per distinct trigram, the
 * share of bits set, and the false-positive rate of absent needles (a pack the filter lets
 * through that does not hold the needle), beside the rate of the exact trigram set (what
 * no trigram filter can tell apart: the floor).
 */
import { packBloom } from '../../core/packs/bloom.js';
import type { PackRow } from '../../core/packs/encode.js';
import { bloomHas, needleBitPositions, trigramHashes } from '../../core/trigram-bloom.js';
import { Rand } from '../corpus/random.js';

/** Words of 6+ characters no corpus format prints (and phrases of them). */
export const RARE_WORDS = [
  'segfault',
  'livelock',
  'unmarshal',
  'nilpointer',
  'oomkilled',
  'goroutine',
  'sigterm',
  'deadlock',
  'kerberos',
  'xylophone',
  'panic: runtime',
  'broken pipe',
  'certificate expired',
];

/** Random lower-case words of 6-8 letters, and 8 hex digits (seeded). */
export function randomNeedles(n: number): { words: string[]; hex: string[] } {
  const r = new Rand(99);
  const word = () =>
    Array.from({ length: 6 + r.int(3) }, () => String.fromCharCode(97 + r.int(26))).join('');
  const hex = () => Array.from({ length: 8 }, () => r.int(16).toString(16)).join('');
  return { words: Array.from({ length: n }, word), hex: Array.from({ length: n }, hex) };
}

export interface BloomStat {
  packs: number;
  bytesPerLine: number;
  bitsPerTrigram: number;
  fill: number;
  /** Absent needles let through, per class: [filter, exact trigram set]. */
  fp: Record<string, [number, number]>;
}

const lower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

function popcount(a: Uint8Array): number {
  let n = 0;
  for (const b of a) for (let x = b; x; x &= x - 1) n++;
  return n;
}

interface PackTruth {
  messages: string[];
  text: string;
  trigrams: Set<number>;
  lines: number;
}

export function truthOf(messages: string[]): PackTruth {
  const trigrams = new Set<number>();
  for (const m of messages) for (const h of trigramHashes(m)) trigrams.add(h);
  return { messages, text: lower(messages.join('\n')), trigrams, lines: messages.length };
}

export function packTruths(packs: PackRow[][]): PackTruth[] {
  return packs.map((p) => truthOf(p.map((r) => r.record.message)));
}

export function bloomStat(
  truths: PackTruth[],
  maxFill: number,
  classes: Record<string, string[]>,
): BloomStat {
  let bytes = 0;
  let lines = 0;
  let bits = 0;
  let set = 0;
  let trigrams = 0;
  const counts: Record<string, [number, number, number]> = {};
  const needles = Object.entries(classes).map(
    ([cls, ns]) =>
      [
        cls,
        ns.map((n) => ({
          n: lower(n),
          positions: needleBitPositions(n)!,
          hashes: [...trigramHashes(n)],
        })),
      ] as const,
  );
  for (const t of truths) {
    const bloom = packBloom(t.messages, maxFill);
    bytes += bloom.length;
    lines += t.lines;
    bits += bloom.length * 8;
    set += popcount(bloom);
    trigrams += t.trigrams.size;
    for (const [cls, ns] of needles) {
      const c = (counts[cls] ??= [0, 0, 0]);
      for (const x of ns) {
        if (t.text.includes(x.n)) continue;
        c[0]++;
        if (bloomHas(bloom, x.positions)) c[1]++;
        if (x.hashes.every((h) => t.trigrams.has(h))) c[2]++;
      }
    }
  }
  const fp: Record<string, [number, number]> = {};
  for (const [cls, [absent, pass, exact]] of Object.entries(counts))
    fp[cls] = [absent ? pass / absent : NaN, absent ? exact / absent : NaN];
  return {
    packs: truths.length,
    bytesPerLine: bytes / lines,
    bitsPerTrigram: bits / trigrams,
    fill: set / bits,
    fp,
  };
}

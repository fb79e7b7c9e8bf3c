/**
 * Helpers for bench/bloom.ts: blocks of lines, their filters under any parameters (a
 * generic builder over the exported hash, so other hash counts and fill limits can be
 * compared with what core/trigram-bloom.ts ships), and false-positive counting against
 * the truth (a lowered substring search) and against the exact trigram set (which tells
 * the filter's own collisions apart from what trigrams cannot express).
 */
import { BLOOM_BITS, foldBloom, hashPosition, trigramHashes } from '../../core/trigram-bloom.js';

export function blocksOf(lines: string[], rows: number): string[][] {
  const out: string[][] = [];
  for (let i = 0; i + rows <= lines.length; i += rows) out.push(lines.slice(i, i + rows));
  return out;
}

function popcount(a: Uint8Array): number {
  let n = 0;
  for (const b of a) for (let x = b; x; x &= x - 1) n++;
  return n;
}

export interface EvalBlock {
  /** All messages of the block, A-Z lowered, newline-joined: the truth. */
  text: string;
  trigrams: Set<number>;
  bloom: Uint8Array;
}

/** A block's filter with `hashes` positions per trigram, folded while fill <= maxFill. */
export function evalBlock(lines: string[], hashes: number, maxFill: number): EvalBlock {
  const trigrams = new Set<number>();
  for (const l of lines) for (const h of trigramHashes(l)) trigrams.add(h);
  let bloom: Uint8Array = new Uint8Array(BLOOM_BITS / 8);
  const shift = 32 - Math.log2(BLOOM_BITS);
  for (const h of trigrams) {
    for (let i = 0; i < hashes; i++) {
      const p = hashPosition(h, i, shift);
      bloom[p >> 3]! |= 1 << (p & 7);
    }
  }
  while (bloom.length > 128) {
    const f = foldBloom(bloom);
    if (popcount(f) > maxFill * f.length * 8) break;
    bloom = f;
  }
  const text = lines.join('\n').replace(/[A-Z]/g, (c) => c.toLowerCase());
  return { text, trigrams, bloom };
}

export function fill(bloom: Uint8Array): number {
  return popcount(bloom) / (bloom.length * 8);
}

function positions(needle: string, hashes: number): number[] {
  const shift = 32 - Math.log2(BLOOM_BITS);
  const out: number[] = [];
  for (const h of trigramHashes(needle)) {
    for (let i = 0; i < hashes; i++) out.push(hashPosition(h, i, shift));
  }
  return out;
}

function has(bloom: Uint8Array, ps: number[]): boolean {
  const scale = BLOOM_BITS / 8 / bloom.length;
  return ps.every((p) => {
    const q = Math.floor(p / scale);
    return (bloom[q >> 3]! & (1 << (q & 7))) !== 0;
  });
}

export interface FpCount {
  /** Blocks that hold the needle. */
  holding: number;
  /** Blocks whose filter lets the needle through. */
  passing: number;
  /** Blocks without the needle: all, let through by the filter, by the exact trigram set. */
  without: number;
  falsePass: number;
  trigramPass: number;
}

/** Counts over `blocks` for every needle of a class (needles of 3+ bytes). */
export function countFp(blocks: EvalBlock[], needles: string[], hashes: number): FpCount {
  const c: FpCount = { holding: 0, passing: 0, without: 0, falsePass: 0, trigramPass: 0 };
  for (const n of needles) {
    const lowered = n.replace(/[A-Z]/g, (x) => x.toLowerCase());
    const ps = positions(n, hashes);
    const hs = [...trigramHashes(n)];
    for (const b of blocks) {
      const holds = b.text.includes(lowered);
      const pass = has(b.bloom, ps);
      if (holds) c.holding++;
      if (pass) c.passing++;
      if (!holds) {
        c.without++;
        if (pass) c.falsePass++;
        if (hs.every((h) => b.trigrams.has(h))) c.trigramPass++;
      }
    }
  }
  return c;
}

export function pct(n: number, d: number): string {
  return d === 0 ? '-' : `${((100 * n) / d).toFixed(2)}%`;
}

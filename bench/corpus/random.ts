/**
 * The seeded randomness of the corpus: mulberry32 (fast, 32 bits a call, the same stream
 * for the same seed on every machine), with the draws log lines need: ints, picks,
 * weighted picks, hex ids, skewed ids (a few hot, most cold), exponential durations.
 */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cumulative weights, for picking with a binary search. */
export class Weighted<T> {
  private readonly cum: number[] = [];
  private readonly items: T[] = [];

  constructor(pairs: readonly (readonly [T, number])[]) {
    let sum = 0;
    for (const [item, w] of pairs) {
      if (w <= 0) continue;
      sum += w;
      this.items.push(item);
      this.cum.push(sum);
    }
    for (let i = 0; i < this.cum.length; i++) this.cum[i]! /= sum;
  }

  /** The item whose share of the weight holds `u` (0..1). */
  at(u: number): T {
    let lo = 0;
    let hi = this.cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cum[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo]!;
  }
}

const B62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export class Rand {
  readonly next: () => number;

  constructor(seed: number) {
    this.next = rng(seed);
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** min..max inclusive. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }

  weighted<T>(w: Weighted<T>): T {
    return w.at(this.next());
  }

  /** `len` lower-case hex digits (8 per draw). */
  hex(len: number): string {
    let s = '';
    while (s.length < len)
      s += Math.floor(this.next() * 4294967296)
        .toString(16)
        .padStart(8, '0');
    return s.slice(0, len);
  }

  b62(len: number): string {
    let s = '';
    for (let i = 0; i < len; i++) s += B62[this.int(62)];
    return s;
  }

  /** An id in 1..n, skewed: the lowest ids come up far more often (u^3 over the range). */
  skewed(n: number): number {
    const u = this.next();
    return 1 + Math.floor(u * u * u * n);
  }

  /** An exponential draw with this mean (durations, sizes). */
  expo(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }
}

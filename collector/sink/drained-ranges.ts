/**
 * Which spool sequence numbers are stored in PostgreSQL (migration 009, spool_drained):
 * every number up to `prefix`, and sorted disjoint ranges above it. Two writer lanes
 * commit out of order, so a range can commit before the one below it; the prefix only
 * moves when the gap below it closes. Pure: no I/O.
 */
export class DrainedRanges {
  /** Sorted, disjoint, non-adjacent, every first > prefix + 1. */
  private ranges: [number, number][] = [];

  constructor(private top: number) {}

  /** Every sequence number up to this one is stored. */
  get prefix(): number {
    return this.top;
  }

  /** The ranges above the prefix (for tests and for the status). */
  get gaps(): readonly (readonly [number, number])[] {
    return this.ranges;
  }

  has(seq: number): boolean {
    if (seq <= this.top) return true;
    // Few ranges are ever open at once (one per lane), so a linear scan is enough.
    for (const [a, b] of this.ranges) {
      if (seq < a) return false;
      if (seq <= b) return true;
    }
    return false;
  }

  /** The first sequence number at or above `from` that is not stored. */
  nextMissing(from: number): number {
    let s = Math.max(from, this.top + 1);
    for (const [a, b] of this.ranges) {
      if (s < a) return s;
      if (s <= b) s = b + 1;
    }
    return s;
  }

  /** Records `first..last` (inclusive) as stored. */
  add(first: number, last: number): void {
    if (last < first || last <= this.top) return;
    let a = Math.max(first, this.top + 1);
    let b = last;
    const kept: [number, number][] = [];
    for (const r of this.ranges) {
      if (r[1] < a - 1 || r[0] > b + 1) kept.push(r);
      else {
        a = Math.min(a, r[0]);
        b = Math.max(b, r[1]);
      }
    }
    kept.push([a, b]);
    kept.sort((x, y) => x[0] - y[0]);
    while (kept.length > 0 && kept[0]![0] <= this.top + 1) {
      this.top = Math.max(this.top, kept.shift()![1]);
    }
    this.ranges = kept;
  }

  /** From spool_drained rows, with everything at or below `floor` stored (what the spool released). */
  static fromRows(rows: readonly { first: number; last: number }[], floor: number): DrainedRanges {
    const d = new DrainedRanges(floor);
    for (const r of rows) d.add(r.first, r.last);
    return d;
  }
}

/** Sorted sequence numbers as inclusive ranges of consecutive numbers. */
export function toRanges(seqs: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const s of seqs) {
    const last = out[out.length - 1];
    if (last && s === last[1] + 1) last[1] = s;
    else out.push([s, s]);
  }
  return out;
}

/**
 * Vertical layout of a virtual list whose rows all have one height except those measured:
 * the few the user expanded, or, on a narrow screen where lines wrap (`measureAll`),
 * every row drawn so far. Offsets are `index * rowHeight` plus the extra height of the
 * measured rows above, summed from a sorted array of their seqs with prefix sums, so
 * finding a row costs O(log n) however many rows were measured; that is what keeps
 * 100,000 rows cheap. Expanded rows are capped: opening one past the cap closes the one
 * opened first.
 *
 * Rows are known by sequence number (store.ts): store index = seq - firstSeq. The list
 * may show the store upside down (`reversed`, issue 18 point 4: newest at the bottom for
 * searches, at the top for the tail when asked); indexes here are display indexes.
 *
 *   forward:  display d = store index d          rows above d: seq <  firstSeq + d
 *   reversed: display d = store index n - 1 - d  rows above d: seq >  lastSeq - d
 */

export const MAX_EXPANDED = 100;

export class RowLayout {
  /** Expanded rows; insertion order = opening order. */
  private readonly expanded = new Set<number>();
  /** Seqs with a measured height, ascending, and their extra pixels beyond rowHeight. */
  private seqs: number[] = [];
  private extra: number[] = [];
  /** prefix[i] = sum of extra[0..i); valid below `validTo`. */
  private prefix: number[] = [0];
  private validTo = 0;
  /** Display order is the store's reversed. */
  reversed = false;
  /** Every drawn row is measured (lines wrap), not just the expanded ones. */
  private all = false;

  constructor(
    public rowHeight: number,
    readonly maxExpanded: number = MAX_EXPANDED,
  ) {}

  get measureAll(): boolean {
    return this.all;
  }

  /** Switches between fixed rows and measured rows of estimated height `rowHeight`. */
  setMeasureAll(all: boolean, rowHeight: number): void {
    if (all === this.all && rowHeight === this.rowHeight) return;
    this.all = all;
    this.rowHeight = rowHeight;
    this.forgetHeights();
  }

  /** Whether a drawn row's height must be read back (measured()). */
  needsMeasure(seq: number): boolean {
    return this.all || this.expanded.has(seq);
  }

  isExpanded(seq: number): boolean {
    return this.expanded.has(seq);
  }

  get expandedCount(): number {
    return this.expanded.size;
  }

  /** Opens a row; returns the seq closed to stay under the cap, if any. */
  expand(seq: number): number | null {
    if (this.expanded.has(seq)) return null;
    let closed: number | null = null;
    if (this.expanded.size >= this.maxExpanded) {
      closed = this.expanded.values().next().value ?? null;
      if (closed !== null) this.collapse(closed);
    }
    this.expanded.add(seq);
    return closed;
  }

  collapse(seq: number): void {
    this.expanded.delete(seq);
    // A fixed row is rowHeight again; a measured one is measured again when drawn.
    if (!this.all) this.setExtra(seq, null);
  }

  /** Records the measured height of a row; true when the layout changed. */
  measured(seq: number, height: number): boolean {
    if (!this.needsMeasure(seq)) return false;
    const x = Math.round(height) - this.rowHeight;
    const i = this.find(seq);
    const now = i < this.seqs.length && this.seqs[i] === seq ? this.extra[i]! : 0;
    if (now === x) return false;
    // Rows of exactly the estimated height are not kept: absent means rowHeight.
    this.setExtra(seq, x === 0 ? null : x);
    return true;
  }

  /** Forgets every measured height (the width changed, so wrapped rows did too). */
  forgetHeights(): void {
    this.seqs = [];
    this.extra = [];
    this.prefix = [0];
    this.validTo = 0;
  }

  /** Forgets rows evicted from the store. */
  prune(firstSeq: number): void {
    for (const seq of this.expanded) if (seq < firstSeq) this.expanded.delete(seq);
    const k = this.find(firstSeq);
    if (k === 0) return;
    this.seqs.splice(0, k);
    this.extra.splice(0, k);
    this.validTo = 0;
  }

  clear(): void {
    this.expanded.clear();
    this.forgetHeights();
  }

  /** Top of the row at display index `index` of `count` rows. */
  offsetOf(index: number, firstSeq: number, count = 0): number {
    const base = index * this.rowHeight;
    if (this.seqs.length === 0) return base;
    if (!this.reversed) return base + this.extraBelow(firstSeq + index);
    const lastSeq = firstSeq + count - 1;
    return base + this.extraBelow(Infinity) - this.extraBelow(lastSeq - index + 1);
  }

  totalHeight(count: number, firstSeq: number): number {
    return this.offsetOf(count, firstSeq, count);
  }

  /** The row covering pixel `y` (clamped to the rows that exist); -1 when there are none. */
  indexAt(y: number, count: number, firstSeq: number): number {
    if (count === 0) return -1;
    let lo = 0;
    let hi = count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.offsetOf(mid, firstSeq, count) <= y) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Rows to render for a viewport, with `overscan` rows either side; null when empty. */
  visible(
    scrollTop: number,
    viewport: number,
    count: number,
    firstSeq: number,
    overscan: number,
  ): { first: number; last: number } | null {
    if (count === 0) return null;
    const first = Math.max(0, this.indexAt(scrollTop, count, firstSeq) - overscan);
    const last = Math.min(
      count - 1,
      this.indexAt(scrollTop + viewport, count, firstSeq) + overscan,
    );
    return { first, last };
  }

  /** Index of the first measured seq >= `seq`. */
  private find(seq: number): number {
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.seqs[mid]! < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private setExtra(seq: number, x: number | null): void {
    const i = this.find(seq);
    const here = i < this.seqs.length && this.seqs[i] === seq;
    if (x === null) {
      if (!here) return;
      this.seqs.splice(i, 1);
      this.extra.splice(i, 1);
    } else if (here) this.extra[i] = x;
    else {
      this.seqs.splice(i, 0, seq);
      this.extra.splice(i, 0, x);
    }
    this.validTo = Math.min(this.validTo, i);
  }

  /** Sum of the extra pixels of measured rows with seq < `seq`. */
  private extraBelow(seq: number): number {
    const k = seq === Infinity ? this.seqs.length : this.find(seq);
    if (k > this.validTo) {
      // Appends land at the end, so this usually extends the sums by a few entries.
      this.prefix.length = this.seqs.length + 1;
      for (let i = this.validTo; i < this.seqs.length; i++)
        this.prefix[i + 1] = this.prefix[i]! + this.extra[i]!;
      this.validTo = this.seqs.length;
    }
    return this.prefix[k]!;
  }
}

/**
 * Vertical layout of a virtual list whose rows all have one height except the few the
 * user expanded. Offsets are `index * rowHeight` plus the extra height of the expanded
 * rows above, so finding a row costs O(log n * expanded) with no per-row array; that is
 * what keeps 100,000 rows cheap. Expanded rows are capped: opening one past the cap
 * closes the one opened first.
 *
 * Rows are known by sequence number (store.ts); index = seq - firstSeq.
 */

export const MAX_EXPANDED = 100;

export class RowLayout {
  /** seq -> extra pixels beyond rowHeight (0 until measured); insertion order = opening order. */
  private readonly extras = new Map<number, number>();

  constructor(
    readonly rowHeight: number,
    readonly maxExpanded: number = MAX_EXPANDED,
  ) {}

  isExpanded(seq: number): boolean {
    return this.extras.has(seq);
  }

  get expandedCount(): number {
    return this.extras.size;
  }

  /** Opens a row; returns the seq closed to stay under the cap, if any. */
  expand(seq: number): number | null {
    if (this.extras.has(seq)) return null;
    let closed: number | null = null;
    if (this.extras.size >= this.maxExpanded) {
      closed = this.extras.keys().next().value ?? null;
      if (closed !== null) this.extras.delete(closed);
    }
    this.extras.set(seq, 0);
    return closed;
  }

  collapse(seq: number): void {
    this.extras.delete(seq);
  }

  /** Records the measured height of an expanded row; true when the layout changed. */
  measured(seq: number, height: number): boolean {
    const prev = this.extras.get(seq);
    if (prev === undefined) return false;
    const extra = Math.max(0, Math.round(height) - this.rowHeight);
    if (extra === prev) return false;
    this.extras.set(seq, extra);
    return true;
  }

  /** Forgets rows evicted from the store. */
  prune(firstSeq: number): void {
    for (const seq of this.extras.keys()) if (seq < firstSeq) this.extras.delete(seq);
  }

  clear(): void {
    this.extras.clear();
  }

  /** Top of row `index`. */
  offsetOf(index: number, firstSeq: number): number {
    let y = index * this.rowHeight;
    for (const [seq, extra] of this.extras) if (seq - firstSeq < index) y += extra;
    return y;
  }

  totalHeight(count: number, firstSeq: number): number {
    return this.offsetOf(count, firstSeq);
  }

  /** The row covering pixel `y` (clamped to the rows that exist); -1 when there are none. */
  indexAt(y: number, count: number, firstSeq: number): number {
    if (count === 0) return -1;
    let lo = 0;
    let hi = count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.offsetOf(mid, firstSeq) <= y) lo = mid;
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
}

import { describe, expect, it } from 'vitest';
import { RowLayout } from '../../../web/src/layout.js';

describe('RowLayout', () => {
  it('fixed rows: offset is index times height, and indexAt inverts it', () => {
    const l = new RowLayout(20);
    expect(l.offsetOf(5, 0)).toBe(100);
    expect(l.totalHeight(100_000, 0)).toBe(2_000_000);
    expect(l.indexAt(0, 10, 0)).toBe(0);
    expect(l.indexAt(39, 10, 0)).toBe(1);
    expect(l.indexAt(40, 10, 0)).toBe(2);
    expect(l.indexAt(10_000, 10, 0)).toBe(9);
    expect(l.indexAt(5, 0, 0)).toBe(-1);
  });

  it('an expanded row pushes the rows below it down by its measured extra height', () => {
    const l = new RowLayout(20);
    l.expand(13); // seq 13 is index 3 when firstSeq is 10
    expect(l.measured(13, 120)).toBe(true);
    expect(l.measured(13, 120)).toBe(false);
    expect(l.offsetOf(3, 10)).toBe(60);
    expect(l.offsetOf(4, 10)).toBe(180);
    expect(l.indexAt(179, 20, 10)).toBe(3);
    expect(l.indexAt(180, 20, 10)).toBe(4);
    expect(l.totalHeight(20, 10)).toBe(500);
  });

  it('measuring a row that is not expanded changes nothing', () => {
    const l = new RowLayout(20);
    expect(l.measured(1, 500)).toBe(false);
    expect(l.totalHeight(3, 0)).toBe(60);
  });

  it('visible range adds overscan and clamps to the rows that exist', () => {
    const l = new RowLayout(20);
    expect(l.visible(200, 100, 1000, 0, 5)).toEqual({ first: 5, last: 20 });
    expect(l.visible(0, 100, 3, 0, 5)).toEqual({ first: 0, last: 2 });
    expect(l.visible(0, 100, 0, 0, 5)).toBeNull();
  });

  it('prune forgets rows evicted from the store', () => {
    const l = new RowLayout(20);
    l.expand(1);
    l.measured(1, 40);
    l.expand(5);
    l.prune(3);
    expect(l.isExpanded(1)).toBe(false);
    expect(l.isExpanded(5)).toBe(true);
  });

  it('past the cap of expanded rows, the first one opened closes', () => {
    const l = new RowLayout(20, 2);
    expect(l.expand(1)).toBeNull();
    expect(l.expand(2)).toBeNull();
    expect(l.expand(2)).toBeNull();
    expect(l.expand(3)).toBe(1);
    expect(l.expandedCount).toBe(2);
    expect([1, 2, 3].map((s) => l.isExpanded(s))).toEqual([false, true, true]);
  });
});

describe('RowLayout, upside down and with every row measured (issue 18)', () => {
  it("reversed: the store's last row is on top, and an expanded row pushes those after it in display order", () => {
    const l = new RowLayout(20);
    l.reversed = true;
    // Store seqs 10..19 (count 10); display index 0 is seq 19.
    l.expand(17); // display index 2
    l.measured(17, 120);
    expect(l.offsetOf(2, 10, 10)).toBe(40);
    expect(l.offsetOf(3, 10, 10)).toBe(160);
    expect(l.totalHeight(10, 10)).toBe(300);
    expect(l.indexAt(159, 10, 10)).toBe(2);
    expect(l.indexAt(160, 10, 10)).toBe(3);
    // A new row (seq 20) appears on top: seq 17 is now display index 3.
    expect(l.offsetOf(3, 10, 11)).toBe(60);
    expect(l.offsetOf(4, 10, 11)).toBe(180);
  });

  it('measureAll: every row drawn is measured, so wrapped rows of any height lay out', () => {
    const l = new RowLayout(20);
    l.setMeasureAll(true, 40);
    expect(l.needsMeasure(3)).toBe(true);
    expect(l.measured(0, 40)).toBe(false);
    expect(l.measured(1, 100)).toBe(true);
    expect(l.measured(2, 20)).toBe(true);
    expect(l.offsetOf(1, 0)).toBe(40);
    expect(l.offsetOf(2, 0)).toBe(140);
    expect(l.offsetOf(3, 0)).toBe(160);
    expect(l.totalHeight(5, 0)).toBe(240);
    // Collapsing keeps a measured row's height until it is measured again.
    l.expand(1);
    l.collapse(1);
    expect(l.offsetOf(2, 0)).toBe(140);
    // The width changed: all heights are estimates again.
    l.forgetHeights();
    expect(l.totalHeight(5, 0)).toBe(200);
  });

  it('many measured rows: sums stay right after pruning and measuring out of order', () => {
    const l = new RowLayout(10);
    l.setMeasureAll(true, 10);
    const heights = new Map<number, number>();
    for (const seq of [5, 1, 9, 3, 7, 2, 8]) {
      l.measured(seq, 10 + seq);
      heights.set(seq, 10 + seq);
    }
    const expected = (index: number, first: number): number => {
      let y = 0;
      for (let s = first; s < first + index; s++) y += heights.get(s) ?? 10;
      return y;
    };
    for (let i = 0; i <= 10; i++) expect(l.offsetOf(i, 0)).toBe(expected(i, 0));
    l.prune(4);
    for (let i = 0; i <= 6; i++) expect(l.offsetOf(i, 4)).toBe(expected(i, 4));
  });
});

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

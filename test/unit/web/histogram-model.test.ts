import { describe, expect, it } from 'vitest';
import {
  bars,
  bucketCount,
  domainOf,
  gestureRange,
  groupTotals,
  stacks,
  ticks,
  timeAt,
} from '../../../web/src/histogram-model.js';
import type { HistogramData } from '../../../web/src/wire.js';

const T0 = Date.UTC(2024, 0, 1, 10, 0);
const data: HistogramData = {
  intervalMs: 60_000,
  buckets: [0, 5, 10, 0].map((count, i) => ({ start: T0 + i * 60_000, count })),
};

describe('histogram geometry', () => {
  it('the domain runs from the first bucket start to the end of the last', () => {
    expect(domainOf(data)).toEqual({ start: T0, end: T0 + 240_000 });
    expect(domainOf({ intervalMs: 1000, buckets: [] })).toBeNull();
  });

  it('bars scale to the peak and skip empty buckets', () => {
    const b = bars(data, 400, 50);
    expect(b).toHaveLength(2);
    expect(b[0]).toMatchObject({
      x: 100,
      w: 99,
      h: 25,
      y: 25,
      count: 5,
      start: T0 + 60_000,
      end: T0 + 120_000,
    });
    expect(b[1]).toMatchObject({ x: 200, h: 50, y: 0 });
  });

  it('a tiny count still shows as one pixel', () => {
    const d: HistogramData = {
      intervalMs: 1000,
      buckets: [
        { start: 0, count: 1 },
        { start: 1000, count: 100_000 },
      ],
    };
    expect(bars(d, 100, 50)[0]!.h).toBe(1);
  });

  it('maps x back to time, clamped to the domain', () => {
    const d = domainOf(data)!;
    expect(timeAt(200, 400, d)).toBe(T0 + 120_000);
    expect(timeAt(-10, 400, d)).toBe(T0);
    expect(timeAt(900, 400, d)).toBe(T0 + 240_000);
  });
});

describe('gestures', () => {
  it('a drag selects the times under it, in either direction', () => {
    expect(gestureRange(300, 100, 400, data)).toEqual({ start: T0 + 60_000, end: T0 + 180_000 });
  });

  it('a click (or a drag under the threshold) selects the bucket under the pointer', () => {
    expect(gestureRange(250, 252, 400, data)).toEqual({ start: T0 + 120_000, end: T0 + 180_000 });
    expect(gestureRange(400, 400, 400, data)).toEqual({ start: T0 + 180_000, end: T0 + 240_000 });
  });

  it('nothing to select without data', () => {
    expect(gestureRange(0, 100, 400, { intervalMs: 1000, buckets: [] })).toBeNull();
  });
});

describe('ticks', () => {
  it('land on round times about the spacing apart', () => {
    const d = { start: T0 + 20_000, end: T0 + 3_600_000 };
    const t = ticks(d, 600, 0, 100);
    expect(t[0]!.label).toBe('10:10');
    expect(t.map((x) => x.t - t[0]!.t).slice(0, 3)).toEqual([0, 600_000, 1_200_000]);
    for (const x of t) expect(x.x).toBeGreaterThanOrEqual(0);
  });

  it('are aligned in the shown zone', () => {
    const d = { start: Date.UTC(2024, 0, 1), end: Date.UTC(2024, 0, 8) };
    const t = ticks(d, 700, 60, 100);
    expect(t[0]!.label).toBe('01-02');
    expect(t[0]!.t).toBe(Date.UTC(2024, 0, 1, 23));
  });

  it('none for an empty width or domain', () => {
    expect(ticks({ start: 0, end: 0 }, 500, 0)).toEqual([]);
    expect(ticks({ start: 0, end: 1000 }, 0, 0)).toEqual([]);
  });
});

it('bucket count follows the width within bounds', () => {
  expect(bucketCount(600)).toBe(100);
  expect(bucketCount(10)).toBe(10);
  expect(bucketCount(10_000)).toBe(200);
});

describe('histogram split by group (issue 18)', () => {
  const grouped: HistogramData = {
    intervalMs: 60_000,
    groups: ['error', 'info', 'none'],
    buckets: [
      { start: T0, count: 4, groups: { error: 1, info: 3 } },
      { start: T0 + 60_000, count: 0, groups: {} },
      { start: T0 + 120_000, count: 8, groups: { info: 6, none: 2 } },
    ],
  };

  it('each bar is cut into its groups, first key at the bottom, heights in proportion', () => {
    const s = stacks(grouped, 300, 80);
    expect(s).toHaveLength(2);
    expect(s[0]).toMatchObject({ count: 4, h: 40, y: 40 });
    expect(s[0]!.segments).toEqual([
      { key: 'error', count: 1, y: 70, h: 10 },
      { key: 'info', count: 3, y: 40, h: 30 },
    ]);
    expect(s[1]!.segments).toEqual([
      { key: 'info', count: 6, y: 20, h: 60 },
      { key: 'none', count: 2, y: 0, h: 20 },
    ]);
  });

  it('totals per group for the legend; no groups, no stacks', () => {
    expect(groupTotals(grouped)).toEqual([
      { key: 'error', count: 1 },
      { key: 'info', count: 9 },
      { key: 'none', count: 2 },
    ]);
    expect(stacks(data, 300, 80)).toEqual([]);
    expect(groupTotals(data)).toEqual([]);
  });
});

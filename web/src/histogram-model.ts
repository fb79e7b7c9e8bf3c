/**
 * Geometry of the histogram, apart from drawing: bars, time ticks, and what a drag or a
 * click over it means as a time range (issue 5, point 2: "a drag or click zooms in").
 */
import { formatTick } from './time.js';
import type { HistogramData } from './wire.js';

export interface Bar {
  x: number;
  y: number;
  w: number;
  h: number;
  start: number;
  end: number;
  count: number;
}

export interface Domain {
  start: number;
  end: number;
}

export function domainOf(data: HistogramData): Domain | null {
  const first = data.buckets[0];
  const last = data.buckets[data.buckets.length - 1];
  if (!first || !last) return null;
  return { start: first.start, end: last.start + data.intervalMs };
}

export function xOf(t: number, width: number, d: Domain): number {
  return ((t - d.start) / (d.end - d.start)) * width;
}

export function timeAt(x: number, width: number, d: Domain): number {
  const f = Math.min(1, Math.max(0, x / width));
  return d.start + f * (d.end - d.start);
}

/** Bars filling `width` x `height`; a bucket with any line is at least one pixel tall. */
export function bars(data: HistogramData, width: number, height: number): Bar[] {
  const d = domainOf(data);
  if (!d) return [];
  let max = 0;
  for (const b of data.buckets) max = Math.max(max, b.count);
  const out: Bar[] = [];
  for (const b of data.buckets) {
    if (b.count === 0) continue;
    const x0 = xOf(b.start, width, d);
    const x1 = xOf(b.start + data.intervalMs, width, d);
    const h = Math.max(1, (b.count / max) * height);
    // A one-pixel gap between wide bars keeps them readable; narrow bars touch.
    const w = Math.max(1, x1 - x0 - (x1 - x0 > 4 ? 1 : 0));
    out.push({
      x: x0,
      y: height - h,
      w,
      h,
      start: b.start,
      end: b.start + data.intervalMs,
      count: b.count,
    });
  }
  return out;
}

export interface Segment {
  key: string;
  count: number;
  y: number;
  h: number;
}

export interface Stack extends Bar {
  /** Bottom to top, in the order of the data's group keys; empty groups left out. */
  segments: Segment[];
}

/**
 * Bars split by group (`by=level|container`): each bar as tall as bars() draws it, cut
 * into one segment per group in proportion to its count, the first key at the bottom.
 * Empty when the data has no groups (the API predates them): draw bars() instead.
 */
export function stacks(data: HistogramData, width: number, height: number): Stack[] {
  const keys = data.groups;
  if (!keys) return [];
  const plain = bars(data, width, height);
  const byStart = new Map(data.buckets.map((b) => [b.start, b]));
  return plain.map((bar) => {
    const counts = byStart.get(bar.start)?.groups ?? {};
    let sum = 0;
    for (const k of keys) sum += counts[k] ?? 0;
    const segments: Segment[] = [];
    let top = bar.y + bar.h;
    for (const k of keys) {
      const n = counts[k] ?? 0;
      if (n <= 0 || sum <= 0) continue;
      const h = (n / sum) * bar.h;
      top -= h;
      segments.push({ key: k, count: n, y: top, h });
    }
    return { ...bar, segments };
  });
}

/** Per group key, its count over the whole range, in the data's key order. */
export function groupTotals(data: HistogramData): { key: string; count: number }[] {
  const keys = data.groups ?? [];
  const totals = new Map(keys.map((k) => [k, 0]));
  for (const b of data.buckets) {
    for (const k of keys) totals.set(k, totals.get(k)! + (b.groups?.[k] ?? 0));
  }
  return keys.map((key) => ({ key, count: totals.get(key)! }));
}

const STEPS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800,
  604800, 2592000,
].map((s) => s * 1000);

export interface Tick {
  t: number;
  x: number;
  label: string;
}

/**
 * Ticks at round times (in the shown zone) about `spacing` pixels apart. Steps of a day or
 * more are aligned to midnight in that zone.
 */
export function ticks(d: Domain, width: number, offsetMin: number, spacing = 110): Tick[] {
  if (width <= 0 || d.end <= d.start) return [];
  const want = ((d.end - d.start) / width) * spacing;
  const step = STEPS.find((s) => s >= want) ?? STEPS[STEPS.length - 1]!;
  const shift = offsetMin * 60_000;
  const out: Tick[] = [];
  let t = Math.ceil((d.start + shift) / step) * step - shift;
  for (; t <= d.end && out.length < 200; t += step) {
    out.push({ t, x: xOf(t, width, d), label: formatTick(t, step, offsetMin) });
  }
  return out;
}

/**
 * The range a pointer gesture selects: a drag (at least `minDragPx` wide) selects the
 * times under it; anything shorter is a click and selects the bucket under the pointer.
 */
export function gestureRange(
  x0: number,
  x1: number,
  width: number,
  data: HistogramData,
  minDragPx = 4,
): Domain | null {
  const d = domainOf(data);
  if (!d || width <= 0) return null;
  if (Math.abs(x1 - x0) >= minDragPx) {
    const a = timeAt(Math.min(x0, x1), width, d);
    const b = timeAt(Math.max(x0, x1), width, d);
    return { start: Math.floor(a), end: Math.ceil(b) };
  }
  const t = timeAt(x1, width, d);
  const i = Math.min(data.buckets.length - 1, Math.floor((t - d.start) / data.intervalMs));
  const b = data.buckets[i];
  return b ? { start: b.start, end: b.start + data.intervalMs } : null;
}

/** How many buckets to ask for: about one per `px` pixels, within the API's sensible range. */
export function bucketCount(width: number, px = 6, min = 10, max = 200): number {
  return Math.max(min, Math.min(max, Math.floor(width / px)));
}

/**
 * How bench/codecs.ts times and weighs: CPU time of this process (user + system), not the
 * clock, so a machine shared with other work (the 2-core development machine often runs
 * test suites beside it) slows a run but moves its MB/s little; every pass repeated until
 * enough CPU time has gone by, the fastest and the median pass kept (a pass preempted, its
 * caches taken by other work, is slower than the codec); and per-line sizes weighted by
 * each stream's share of the host's lines, so a chatty nginx counts as much as it prints.
 */
import type { StreamData } from './codec-data.js';

export const KiB = 1024;

/** CPU seconds of this process while `f` runs. */
export function cpu<T>(f: () => T): { value: T; seconds: number } {
  const t0 = process.cpuUsage();
  const value = f();
  const d = process.cpuUsage(t0);
  return { value, seconds: (d.user + d.system) / 1e6 };
}

export interface Timed {
  min: number;
  median: number;
  passes: number;
}

/** `pass` repeated until `minSeconds` of CPU (at least `minPasses`, at most `maxPasses`). */
export function timed(pass: () => void, minSeconds: number, minPasses = 1, maxPasses = 15): Timed {
  const ts: number[] = [];
  let total = 0;
  while (ts.length < maxPasses && (ts.length < minPasses || total < minSeconds)) {
    const t = cpu(pass).seconds;
    ts.push(t);
    total += t;
  }
  ts.sort((a, b) => a - b);
  return { min: ts[0]!, median: ts[Math.floor((ts.length - 1) / 2)]!, passes: ts.length };
}

/** Σ weight × (value / lines) over streams, / Σ weight: a value per host line. */
export function perLine<T extends { stream: StreamData }>(
  items: readonly T[],
  valueOf: (item: T) => number,
  linesOf: (item: T) => number,
): number {
  let w = 0;
  let x = 0;
  for (const it of items) {
    const lines = linesOf(it);
    if (lines === 0) continue;
    w += it.stream.weight;
    x += (it.stream.weight * valueOf(it)) / lines;
  }
  return x / w;
}

export const mbps = (bytes: number, seconds: number) => bytes / 1e6 / seconds;

/**
 * Shared by the multi-line joiner's tests: records made from lines as Docker delivers them
 * (one record per line), units cut from them, a run of the joiner that checks every group
 * it returns, and the captured fixtures (test/fixtures/multiline/).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { MultilineJoiner, type ReadyGroup } from '../../../collector/multiline/joiner.js';
import type { MultilineOptions } from '../../../collector/multiline/options.js';
import type { WriteUnit } from '../../../collector/writer/unit.js';
import type { LogRecord, Stream } from '../../../core/record.js';

export const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/multiline');

/** A captured stream's lines (Docker sends each line without its "\n"; empty lines too). */
export function captured(name: string, stream: Stream): string[] {
  const text = readFileSync(path.join(FIXTURES, 'captured', `${name}.${stream}.txt`), 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export interface Source {
  containerId: string;
  containerName: string;
  stream: Stream;
}

export const APP: Source = {
  containerId: 'c0ffee'.padEnd(64, '1'),
  containerName: 'shop-app-1',
  stream: 'stderr',
};

/**
 * A record as the forward source makes it from Docker's fluentd driver. `n` is the line's
 * place in the whole input: it is kept in tsNano, so a joined record (which has its first
 * line's time) tells where it began.
 */
export function record(src: Source, message: string, n: number, receivedAt: number): LogRecord {
  return {
    tsSec: 1_764_000_000,
    tsNano: n,
    receivedAt,
    source: 'forward',
    host: null,
    containerId: src.containerId,
    containerName: src.containerName,
    stream: src.stream,
    tag: src.containerId.slice(0, 12),
    app: null,
    project: 'shop',
    service: 'app',
    severity: null,
    facility: null,
    message,
    attrs: null,
  };
}

/** Units of the given sizes (the last takes the rest), in order. */
export function cut(records: LogRecord[], sizes: number[]): WriteUnit[] {
  const units: WriteUnit[] = [];
  let i = 0;
  for (const s of sizes) {
    if (i >= records.length) break;
    units.push({ records: records.slice(i, i + Math.max(1, s)) });
    i += Math.max(1, s);
  }
  if (i < records.length) units.push({ records: records.slice(i) });
  return units;
}

export interface Run {
  groups: ReadyGroup[];
  /** Every record written, in input order (by tsNano). */
  records: LogRecord[];
}

/**
 * Pushes `units` (seq = index), calling flushBefore(w) before unit i when `flushes` has
 * an entry for i, then drain(). Checks that every unit comes out exactly once, in a group
 * whose seqs ascend and match its units.
 */
export function run(
  units: WriteUnit[],
  opts: Partial<MultilineOptions> = {},
  flushes: Map<number, number> = new Map(),
): Run {
  const j = new MultilineJoiner(opts);
  const groups: ReadyGroup[] = [];
  units.forEach((u, i) => {
    const w = flushes.get(i);
    if (w !== undefined) groups.push(...j.flushBefore(w));
    groups.push(...j.push(u, i));
  });
  groups.push(...j.drain());
  checkGroups(groups, units.length);
  expect(j.stats).toEqual({
    messages: 0,
    units: 0,
    records: 0,
    oldestAt: null,
    quietestAt: null,
  });
  return { groups, records: recordsOf(groups) };
}

export function checkGroups(groups: ReadyGroup[], n: number): void {
  const seen = new Set<number>();
  for (const g of groups) {
    expect(g.seqs.length).toBe(g.units.length);
    g.seqs.forEach((s, k) => {
      expect(seen.has(s)).toBe(false);
      seen.add(s);
      expect(g.units[k]!.seq).toBe(s);
      if (k > 0) expect(s).toBeGreaterThan(g.seqs[k - 1]!);
    });
  }
  expect(seen.size).toBe(n);
}

export function recordsOf(groups: ReadyGroup[]): LogRecord[] {
  return groups
    .flatMap((g) => g.units.flatMap((u) => u.records))
    .sort((a, b) => a.tsNano - b.tsNano);
}

/** The records of one stream, in order. */
export function streamRecords(records: LogRecord[], src: Source): LogRecord[] {
  return records.filter((r) => r.containerId === src.containerId && r.stream === src.stream);
}

/** Messages of a record list with their part counts: what the expectations compare. */
export function shape(records: LogRecord[]): { message: string; parts: number }[] {
  return records.map((r) => ({
    message: r.message,
    parts: typeof r.attrs?.multiline_parts === 'number' ? r.attrs.multiline_parts : 1,
  }));
}

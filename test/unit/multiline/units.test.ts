/**
 * Units the joiner treats apart: a unit with a forward chunk id is joined within itself
 * only (the writer skips a resent chunk whole), and a group of several units becomes one
 * unit with a chunk id made of the spool id and its sequence numbers (group-unit.ts).
 */
import { describe, expect, it } from 'vitest';
import { groupChunk, groupUnit } from '../../../collector/multiline/group-unit.js';
import { MultilineJoiner } from '../../../collector/multiline/joiner.js';
import { APP, record } from './helpers.js';

const T = 1_764_000_000_000;
const TRACE = [
  'java.lang.IllegalStateException: boom',
  '\tat a.B.c(B.java:1)',
  '\tat a.B.main(B.java:9)',
];
const recs = (lines: string[], from = 0) => lines.map((l, i) => record(APP, l, from + i, T + i));

describe('units with chunk ids, and groups as one unit', () => {
  it('a chunked unit holding a whole trace is joined within itself, its chunk kept', () => {
    const j = new MultilineJoiner();
    const out = j.push({ records: recs([...TRACE, 'GET / 200']), chunk: 'abc' }, 4);
    expect(out).toHaveLength(1);
    expect(out[0]!.seqs).toEqual([4]);
    const u = out[0]!.units[0]!;
    expect(u.chunk).toBe('abc');
    expect(u.records.map((r) => r.message)).toEqual([TRACE.join('\n'), 'GET / 200']);
    expect(j.heldMessages).toBe(0);
  });

  it('a chunked unit neither continues nor ends a message held from another unit', () => {
    const j = new MultilineJoiner();
    expect(j.push({ records: recs(TRACE.slice(0, 1)) }, 0)).toEqual([]);
    const chunked = j.push({ records: recs(TRACE.slice(1), 1), chunk: 'c1' }, 1);
    expect(chunked.map((g) => g.seqs)).toEqual([[1]]);
    // The chunked unit's orphan frames are joined among themselves.
    expect(chunked[0]!.units[0]!.records.map((r) => r.message)).toEqual([
      TRACE.slice(1).join('\n'),
    ]);
    expect(j.heldMessages).toBe(1);
    const rest = j.drain();
    expect(rest.map((g) => g.units[0]!.records.map((r) => r.message))).toEqual([[TRACE[0]]]);
  });

  it('a group of units is one unit: records in sequence order, a chunk id of its seqs', () => {
    const j = new MultilineJoiner();
    const units = TRACE.map((l, i) => ({ records: recs([l], i) }));
    const groups = units.flatMap((u, i) => j.push(u, 10 + i)).concat(j.drain());
    expect(groups).toHaveLength(1);
    const g = groups[0]!;
    expect(g.seqs).toEqual([10, 11, 12]);
    const u = groupUnit('spool-a', g);
    expect(u.seq).toBeUndefined();
    expect(u.records.map((r) => r.message)).toEqual([TRACE.join('\n')]);
    expect(u.chunk).toBe(groupChunk('spool-a', [10, 11, 12]));
    expect(u.chunk).toMatch(/^multiline:10-12:/);
    expect(groupChunk('spool-b', [10, 11, 12])).not.toBe(u.chunk);
    expect(groupChunk('spool-a', [10, 12])).not.toBe(u.chunk);
    expect(() =>
      groupUnit('spool-a', { seqs: [1, 2], units: [{ records: [], chunk: 'x' }, { records: [] }] }),
    ).toThrow(/chunk/);
  });
});

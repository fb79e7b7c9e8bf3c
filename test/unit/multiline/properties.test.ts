/**
 * Properties of the joiner on random multi-stream input (gen.ts):
 * - any split into units, and any interleaving of the streams, gives the same records;
 * - no line is lost or doubled: each stream's records, split at "\n", are its lines;
 * - flushBefore at arbitrary points (with a true watermark) changes nothing;
 * - a held message is never older than the window after flushBefore;
 * - a crash at any moment, with the ready groups committed in any order, then a replay of
 *   what was not committed, stores exactly the records of a run without crash.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MultilineJoiner, type ReadyGroup } from '../../../collector/multiline/joiner.js';
import type { WriteUnit } from '../../../collector/writer/unit.js';
import type { LogRecord } from '../../../core/record.js';
import { lines, START, streamKey, toRecords, type Line } from './gen.js';
import { checkGroups, cut, recordsOf, run } from './helpers.js';

/** MULTILINE_RUNS=20000 runs every property that many times (a longer search). */
const runs = (n: number) => Number(process.env.MULTILINE_RUNS) || n;

/** Group bounds out of reach: the invariances below hold while no bound is reached. */
const OPTS = { maxGroupMs: 1e9, maxGroupRecords: 1e9 };
const sizes = fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 60 });

/** Each stream's records in order: message and first line (tsNano). */
function perStream(records: LogRecord[]): Map<string, [number, string, unknown][]> {
  const m = new Map<string, [number, string, unknown][]>();
  for (const r of records) {
    const k = streamKey(r);
    const list = m.get(k) ?? [];
    list.push([r.tsNano, r.message, r.attrs?.multiline_parts]);
    m.set(k, list);
  }
  return m;
}

/** The same, keyed by each line's place in its own stream (independent of interleaving). */
function perStreamLocal(ls: Line[], records: LogRecord[]): Map<string, [number, string][]> {
  const local: number[] = [];
  const count = new Map<number, number>();
  for (const l of ls) {
    local.push(count.get(l.s) ?? 0);
    count.set(l.s, (count.get(l.s) ?? 0) + 1);
  }
  const m = new Map<string, [number, string][]>();
  for (const r of records) {
    const k = streamKey(r);
    m.set(k, [...(m.get(k) ?? []), [local[r.tsNano]!, r.message]]);
  }
  for (const v of m.values()) v.sort((a, b) => a[0] - b[0]);
  return m;
}

/** Watermarks: before line i, the earliest arrival of it and every later line. */
function marks(recs: LogRecord[]): number[] {
  const w = recs.map((r) => r.receivedAt);
  for (let i = w.length - 2; i >= 0; i--) w[i] = Math.min(w[i]!, w[i + 1]!);
  return w;
}

describe('multi-line joiner properties', () => {
  it('any split into units gives the same records', () => {
    fc.assert(
      fc.property(lines, sizes, (ls, s) => {
        const recs = toRecords(ls);
        const one = run(
          cut(
            recs,
            recs.map(() => 1),
          ),
          OPTS,
        ).records;
        const split = run(cut(recs, s), OPTS).records;
        expect(perStream(split)).toEqual(perStream(one));
      }),
      { numRuns: runs(300) },
    );
  });

  it('any interleaving of the streams gives the same records per stream', () => {
    fc.assert(
      fc.property(lines, fc.array(fc.nat()), sizes, (ls, swaps, s) => {
        // Move lines past lines of other streams (each stream keeps its order and times).
        const other = [...ls];
        for (const k of swaps) {
          const i = k % Math.max(1, other.length - 1);
          if (other[i + 1] && other[i]!.s !== other[i + 1]!.s)
            [other[i], other[i + 1]] = [other[i + 1]!, other[i]!];
        }
        const a = run(cut(toRecords(ls), s), OPTS).records;
        const b = run(cut(toRecords(other), s), OPTS).records;
        expect(perStreamLocal(other, b)).toEqual(perStreamLocal(ls, a));
      }),
      { numRuns: runs(300) },
    );
  });

  it('loses and doubles no line: split back, each stream is its lines in order', () => {
    fc.assert(
      fc.property(lines, sizes, (ls, s) => {
        const recs = toRecords(ls);
        const out = run(cut(recs, s)).records;
        const byStream = new Map<string, string[]>();
        for (const r of out)
          byStream.set(streamKey(r), [
            ...(byStream.get(streamKey(r)) ?? []),
            ...r.message.split('\n'),
          ]);
        const want = new Map<string, string[]>();
        for (const r of recs)
          want.set(streamKey(r), [...(want.get(streamKey(r)) ?? []), r.message]);
        expect(byStream).toEqual(want);
        for (const r of out) {
          const parts = r.attrs?.multiline_parts;
          expect(parts === undefined ? 1 : parts).toBe(r.message.split('\n').length);
        }
      }),
      { numRuns: runs(300) },
    );
  });

  it('flushBefore at arbitrary points (a true watermark) gives the same records', () => {
    fc.assert(
      fc.property(lines, sizes, fc.array(fc.nat()), (ls, s, at) => {
        const recs = toRecords(ls);
        const units = cut(recs, s);
        const w = marks(units.flatMap((u) => u.records));
        const first: number[] = [];
        let n = 0;
        for (const u of units) {
          first.push(w[n]!);
          n += u.records.length;
        }
        const flushes = new Map(at.map((k) => [k % units.length, first[k % units.length]!]));
        expect(perStream(run(units, {}, flushes).records)).toEqual(perStream(run(units).records));
      }),
      { numRuns: runs(300) },
    );
  });

  it('after flushBefore(w), no held message began before w - maxSpanMs or went quiet before w - windowMs', () => {
    fc.assert(
      fc.property(lines, (ls) => {
        const recs = toRecords(ls);
        const j = new MultilineJoiner();
        const { windowMs, maxSpanMs } = j.options;
        const w = marks(recs);
        recs.forEach((r, i) => {
          j.flushBefore(w[i]!);
          const st = j.stats;
          if (st.oldestAt !== null) expect(st.oldestAt).toBeGreaterThanOrEqual(w[i]! - maxSpanMs);
          if (st.quietestAt !== null)
            expect(st.quietestAt).toBeGreaterThanOrEqual(w[i]! - windowMs);
          j.push({ records: [r] }, i);
        });
        // Past the last line's window, nothing is held.
        const last = Math.max(...recs.map((r) => r.receivedAt));
        j.flushBefore(last + maxSpanMs + 1);
        expect(j.stats.messages).toBe(0);
        expect(j.stats.units).toBe(0);
      }),
      { numRuns: runs(300) },
    );
  });

  it('a crash at any moment, then a replay of what was not committed, stores the same records', () => {
    fc.assert(
      fc.property(lines, sizes, fc.array(fc.nat()), fc.nat(), (ls, s, picks, crashAt) => {
        const recs = toRecords(ls);
        const units = cut(recs, s);
        const reference = perStream(run(units).records);
        const w = marks(units.flatMap((u) => u.records));

        // First run: groups come out; a writer commits them in any order (two lanes: any
        // ready group may commit next) until the crash.
        const j = new MultilineJoiner();
        const pending: ReadyGroup[] = [];
        const committed = new Set<number>();
        const stored: LogRecord[] = [];
        let p = 0;
        const commitSome = () => {
          for (;;) {
            if (pending.length === 0 || (picks[p++] ?? 0) % 3 === 0) return;
            const g = pending[(picks[p++] ?? 0) % pending.length]!;
            pending.splice(pending.indexOf(g), 1);
            for (const q of g.seqs) committed.add(q);
            stored.push(...g.units.flatMap((u) => u.records));
          }
        };
        const crash = crashAt % (units.length + 1);
        let n = 0;
        for (let i = 0; i < crash; i++) {
          // The clock: now and then a flush with the drain's watermark.
          if ((picks[i] ?? 0) % 2 === 0) pending.push(...j.flushBefore(w[n]!));
          pending.push(...j.push(units[i]!, i));
          n += units[i]!.records.length;
          commitSome();
        }
        // Replay: the units not committed, in order, into a new joiner; all of it committed.
        const r = new MultilineJoiner();
        const replayed: ReadyGroup[] = [];
        units.forEach((u, i) => {
          if (!committed.has(i)) replayed.push(...r.push(fresh(u), i));
        });
        replayed.push(...r.drain());
        checkGroups(replayed, units.length - committed.size);
        stored.push(...recordsOf(replayed));
        expect(perStream(stored.sort((a, b) => a.tsNano - b.tsNano))).toEqual(reference);
      }),
      { numRuns: runs(500) },
    );
  });

  it('a unit that holds nothing comes back from its own push', () => {
    const j = new MultilineJoiner();
    const u: WriteUnit = { records: toRecords([{ s: 0, text: 'GET /healthz 200', at: 0 }]) };
    expect(j.push(u, 7)).toEqual([{ seqs: [7], units: [u] }]);
    expect(START).toBeGreaterThan(0);
  });
});

/** The unit as read back from the spool: new objects, the same contents. */
function fresh(u: WriteUnit): WriteUnit {
  return { records: u.records.map((r) => ({ ...r })) };
}

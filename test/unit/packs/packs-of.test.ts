import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodePack, packsOf, type PackRow } from '../../../core/packs/encode.js';
import { labelKey, labelsOf } from '../../../core/packs/labels.js';
import { MAX_TS_SEC, MIN_TS_SEC, newRecord, type LogRecord } from '../../../core/record.js';

const DAY = 86_400;

function row(
  id: number,
  tsSec: number,
  container: string | null,
  stream: LogRecord['stream'],
): PackRow {
  const r = newRecord('forward', tsSec, 0, `line ${id}`);
  r.containerName = container;
  r.stream = stream;
  return { id, record: r };
}

describe('packsOf', () => {
  it('groups a batch by label set, keeping id order, packs in order of their first row', () => {
    const t = 1_764_000_000;
    const rows = [
      row(1, t, 'web', 'stdout'),
      row(2, t, 'web', 'stderr'),
      row(3, t, 'db', 'stdout'),
      row(4, t, 'web', 'stdout'),
      row(5, t, null, 'stdout'),
      row(6, t, 'null', 'stdout'),
      row(7, t, 'web', 'stderr'),
    ];
    expect(packsOf(rows).map((p) => p.map((r) => r.id))).toEqual([[1, 4], [2, 7], [3], [5], [6]]);
  });

  it('never puts two UTC days in one pack, also when times go back and forth', () => {
    const midnight = 1_764_028_800; // 2025-11-25T00:00:00Z
    expect(midnight % DAY).toBe(0);
    const rows = [
      row(1, midnight - 1, 'web', 'stdout'),
      row(2, midnight, 'web', 'stdout'),
      row(3, midnight - 2, 'web', 'stdout'),
      row(4, midnight + DAY - 1, 'web', 'stdout'),
      row(5, midnight + DAY, 'web', 'stdout'),
      row(6, -1, 'web', 'stdout'),
      row(7, 0, 'web', 'stdout'),
    ];
    expect(packsOf(rows).map((p) => p.map((r) => r.id))).toEqual([[1, 3], [2, 4], [5], [6], [7]]);
  });

  it('sorts a group whose rows came out of id order', () => {
    const t = 1_764_000_000;
    const rows = [row(5, t, 'a', null), row(2, t, 'a', null), row(9, t, 'a', null)];
    expect(packsOf(rows).map((p) => p.map((r) => r.id))).toEqual([[2, 5, 9]]);
  });

  it('property: a partition of the rows into encodable packs of one stream and one day', () => {
    const rowArb = fc.record({
      tsSec: fc.oneof(
        fc.integer({ min: 1_764_028_800 - 5, max: 1_764_028_800 + 5 }),
        fc.integer({ min: MIN_TS_SEC, max: MAX_TS_SEC }),
      ),
      container: fc.constantFrom('web', 'db', null),
      stream: fc.constantFrom('stdout', 'stderr', null),
    });
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 60 }), (specs) => {
        const rows = specs.map((s, i) => row(i + 1, s.tsSec, s.container, s.stream));
        const packs = packsOf(rows);
        expect(
          packs
            .flat()
            .map((r) => r.id)
            .sort((a, b) => a - b),
        ).toEqual(rows.map((r) => r.id));
        const firsts = packs.map((p) => p[0]!.id);
        expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
        for (const p of packs) {
          expect(new Set(p.map((r) => labelKey(labelsOf(r.record)))).size).toBe(1);
          expect(new Set(p.map((r) => Math.floor(r.record.tsSec / DAY))).size).toBe(1);
          expect(p.map((r) => r.id)).toEqual([...p.map((r) => r.id)].sort((a, b) => a - b));
          expect(encodePack(p, { codec: 'none' }).rows).toBe(p.length);
        }
        // One pack per (stream, day): no two packs share both.
        const keys = packs.map(
          (p) => `${labelKey(labelsOf(p[0]!.record))} ${Math.floor(p[0]!.record.tsSec / DAY)}`,
        );
        expect(new Set(keys).size).toBe(keys.length);
      }),
    );
  });

  it('labelKey tells null from the text "null" and keeps the order of the labels', () => {
    const a = labelsOf(row(1, 0, null, 'stdout').record);
    const b = labelsOf(row(1, 0, 'null', 'stdout').record);
    expect(labelKey(a)).not.toBe(labelKey(b));
    expect(labelKey({ ...a, host: 'x', tag: null })).not.toBe(
      labelKey({ ...a, host: null, tag: 'x' }),
    );
  });
});

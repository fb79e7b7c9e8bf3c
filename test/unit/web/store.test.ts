import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RowStore } from '../../../web/src/store.js';
import { rec } from './records.js';

const ids = (s: RowStore): string[] => s.records().map((r) => r.id);

describe('RowStore', () => {
  it('appends in order and numbers rows contiguously', () => {
    const s = new RowStore(10);
    expect(s.append([rec(1), rec(2)])).toEqual({ added: 2, duplicates: 0, evicted: 0 });
    s.appendNotice('gap');
    s.append([rec(3)]);
    expect(s.length).toBe(4);
    expect(s.firstSeq).toBe(0);
    expect([0, 1, 2, 3].map((i) => s.at(i)?.seq)).toEqual([0, 1, 2, 3]);
    expect(s.at(2)).toEqual({ kind: 'notice', seq: 2, text: 'gap' });
    expect(ids(s)).toEqual(['1', '2', '3']);
  });

  it('skips records it already holds, across and within batches', () => {
    const s = new RowStore(10);
    s.append([rec(1), rec(2)]);
    expect(s.append([rec(2), rec(3), rec(3)])).toEqual({ added: 1, duplicates: 2, evicted: 0 });
    expect(ids(s)).toEqual(['1', '2', '3']);
  });

  it('past the cap evicts the first rows and forgets their ids', () => {
    const s = new RowStore(3);
    s.append([rec(1), rec(2), rec(3)]);
    expect(s.full).toBe(true);
    expect(s.append([rec(4), rec(5)])).toEqual({ added: 2, duplicates: 0, evicted: 2 });
    expect(ids(s)).toEqual(['3', '4', '5']);
    expect(s.firstSeq).toBe(2);
    expect(s.has('1')).toBe(false);
    // An evicted id may come back (a reconnect replaying it) and is then new again.
    expect(s.append([rec(1)]).added).toBe(1);
  });

  it('one batch larger than the cap keeps its last rows', () => {
    const s = new RowStore(2);
    expect(s.append([rec(1), rec(2), rec(3), rec(4), rec(5)]).evicted).toBe(3);
    expect(ids(s)).toEqual(['4', '5']);
  });

  it('clear empties it but keeps numbering forward', () => {
    const s = new RowStore(5);
    s.append([rec(1), rec(2)]);
    s.clear();
    expect(s.length).toBe(0);
    expect(s.firstSeq).toBe(2);
    s.append([rec(1)]);
    expect(s.at(0)?.seq).toBe(2);
  });

  it('refuses a cap that is not a positive integer', () => {
    expect(() => new RowStore(0)).toThrow(RangeError);
    expect(() => new RowStore(1.5)).toThrow(RangeError);
  });

  it('never holds more than the cap, never a duplicate, and keeps arrival order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 15 }), { maxLength: 10 }),
        (cap, batches) => {
          const s = new RowStore(cap);
          const model: string[] = [];
          for (const b of batches) {
            s.append(b.map((i) => rec(i)));
            for (const i of b) if (!model.includes(String(i))) model.push(String(i));
            while (model.length > cap) model.shift();
          }
          expect(s.length).toBeLessThanOrEqual(cap);
          expect(ids(s)).toEqual(model);
          for (let i = 0; i < s.length; i++) expect(s.at(i)?.seq).toBe(s.firstSeq + i);
        },
      ),
    );
  });
});

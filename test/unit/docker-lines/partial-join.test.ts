import { describe, expect, it } from 'vitest';
import { PartialJoiner } from '../../../collector/docker-lines/partial-join.js';
import { newRecord } from '../../../core/record.js';

const part = (msg: string) => ({ ...newRecord('forward', 100, 5, msg), containerId: 'c1' });
const limits = { timeoutMs: 1000, maxBytes: 100, maxPending: 3 };

describe('PartialJoiner', () => {
  it('joins parts in ordinal order, stashing all but the last, the empty last part included', () => {
    const j = new PartialJoiner(limits);
    const a = j.add(part('aaa'), { id: 'p', ordinal: 1, last: false }, 0);
    expect(a).toEqual({ stash: { key: 'c1/p', ordinal: 1 }, done: [] });
    expect(j.add(part('bbb'), { id: 'p', ordinal: 2, last: false }, 1).stash).toEqual({
      key: 'c1/p',
      ordinal: 2,
    });
    const end = j.add(part(''), { id: 'p', ordinal: 3, last: true }, 2);
    expect(end.stash).toBeNull();
    expect(end.done).toHaveLength(1);
    expect(end.done[0]!.claim).toBe('c1/p');
    expect(end.done[0]!.record.message).toBe('aaabbb');
    expect(end.done[0]!.record.tsNano).toBe(5);
    expect(end.done[0]!.record.attrs).toEqual({ partial_parts: 3 });
    expect(j.size).toBe(0);
  });

  it('ignores a resent part', () => {
    const j = new PartialJoiner(limits);
    j.add(part('aaa'), { id: 'p', ordinal: 1, last: false }, 0);
    expect(j.add(part('aaa'), { id: 'p', ordinal: 1, last: false }, 0)).toEqual({
      stash: null,
      done: [],
    });
    expect(j.add(part('b'), { id: 'p', ordinal: 2, last: true }, 0).done[0]!.record.message).toBe(
      'aaab',
    );
  });

  it('writes a line whose last part never comes after the timeout, marked unfinished', () => {
    const j = new PartialJoiner(limits);
    j.add(part('aaa'), { id: 'p', ordinal: 1, last: false }, 0);
    expect(j.expire(999)).toEqual([]);
    const [line] = j.expire(1000);
    expect(line!.record.message).toBe('aaa');
    expect(line!.record.attrs).toEqual({ partial_parts: 1, partial_unfinished: true });
    expect(line!.claim).toBe('c1/p');
  });

  it('bounds the line length: past maxBytes the line is written in pieces', () => {
    const j = new PartialJoiner(limits);
    j.add(part('x'.repeat(60)), { id: 'p', ordinal: 1, last: false }, 0);
    const over = j.add(part('y'.repeat(60)), { id: 'p', ordinal: 2, last: false }, 0);
    expect(over.done[0]!.record.message).toBe('x'.repeat(60) + 'y'.repeat(60));
    expect(over.done[0]!.record.attrs).toMatchObject({ partial_piece: 1 });
    const end = j.add(part('z'), { id: 'p', ordinal: 3, last: true }, 0);
    expect(end.done[0]!.record.message).toBe('z');
    expect(end.done[0]!.record.attrs).toMatchObject({ partial_piece: 2 });
  });

  it('bounds the number of waiting lines: the oldest is written unfinished', () => {
    const j = new PartialJoiner(limits);
    for (const id of ['a', 'b', 'c']) j.add(part(id), { id, ordinal: 1, last: false }, 0);
    const r = j.add(part('d'), { id: 'd', ordinal: 1, last: false }, 0);
    expect(r.done.map((l) => l.record.message)).toEqual(['a']);
    expect(j.size).toBe(3);
  });
});

describe('PartialJoiner with raw bytes', () => {
  it('joins bytes before decoding, so a character cut by the 16 KiB split comes back whole', () => {
    const j = new PartialJoiner(limits);
    const euro = Buffer.from('€'); // 3 bytes, cut after the first
    j.add(
      part('\uFFFD'),
      { id: 'u', ordinal: 1, last: false },
      0,
      Buffer.concat([Buffer.from('a'), euro.subarray(0, 1)]),
    );
    const end = j.add(
      part('\uFFFD\uFFFDb'),
      { id: 'u', ordinal: 2, last: true },
      0,
      Buffer.concat([euro.subarray(1), Buffer.from('b')]),
    );
    expect(end.done[0]!.record.message).toBe('a€b');
    expect(end.done[0]!.record.attrs).toEqual({ partial_parts: 2 });
  });
});

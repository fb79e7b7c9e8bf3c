/**
 * The local-driver reader (cli/import/local-file.ts) against entries encoded here the way
 * moby's makeMarshaller does (size, LogEntry, size), split at every byte; a bad footer or
 * an absurd size ends the file's reading with the rest reported, as moby's reader refuses it.
 */
import { describe, expect, it } from 'vitest';
import type { ReadResult } from '../../../cli/import/entry.js';
import { decodeLogEntry, LocalFileReader } from '../../../cli/import/local-file.js';
import { field, localEntry, type E } from './local-entry.js';

const NS = 1796653093728699395n;
const ENTRIES: E[] = [
  { source: 'stdout', nanos: NS, line: Buffer.from('hello') },
  { source: 'stderr', nanos: NS + 1n, line: Buffer.from([0x62, 0xff, 0x0a, 0x00]) },
  {
    source: 'stdout',
    nanos: NS + 2n,
    line: Buffer.alloc(16384, 0x78),
    partial: { last: false, id: 'abc', ordinal: 1 },
  },
  {
    source: 'stdout',
    nanos: NS + 2n,
    line: Buffer.alloc(10, 0x78),
    partial: { last: true, id: 'abc', ordinal: 2 },
  },
  { source: 'stdout', nanos: NS + 3n, line: Buffer.alloc(0) },
];
const FILE = Buffer.concat(ENTRIES.map(localEntry));

function readAll(chunks: Buffer[]): ReadResult & { offset: number; pending: number } {
  const r = new LocalFileReader();
  const out: ReadResult = { entries: [], bad: [] };
  for (const c of chunks) {
    const x = r.push(c);
    out.entries.push(...x.entries);
    out.bad.push(...x.bad);
  }
  return { ...out, offset: r.offset, pending: r.pendingBytes };
}

describe('local-driver reader', () => {
  it('reads source, time, exact line bytes and the partial metadata as stored', () => {
    const r = readAll([FILE]);
    expect(r.bad).toEqual([]);
    expect(r.offset).toBe(FILE.length);
    expect(
      r.entries.map((e) => [e.stream, e.sec, e.nsec, e.line.toString('hex'), e.partial, e.newline]),
    ).toEqual([
      ['stdout', 1796653093, 728699395, Buffer.from('hello').toString('hex'), null, true],
      ['stderr', 1796653093, 728699396, '62ff0a00', null, true],
      [
        'stdout',
        1796653093,
        728699397,
        '78'.repeat(16384),
        { last: false, id: 'abc', ordinal: 1 },
        false,
      ],
      [
        'stdout',
        1796653093,
        728699397,
        '78'.repeat(10),
        { last: true, id: 'abc', ordinal: 2 },
        true,
      ],
      ['stdout', 1796653093, 728699398, '', null, true],
    ]);
  });

  it('gives the same entries split at every byte; holds a torn last entry', () => {
    const want = readAll([FILE]).entries.map((e) => ({ ...e, line: e.line.toString('hex') }));
    for (let i = 0; i <= FILE.length; i += i < 300 || i > FILE.length - 300 ? 1 : 61) {
      const r = readAll([FILE.subarray(0, i), FILE.subarray(i)]);
      expect(
        r.entries.map((e) => ({ ...e, line: e.line.toString('hex') })),
        `cut at ${i}`,
      ).toEqual(want);
    }
    const torn = readAll([FILE.subarray(0, FILE.length - 3)]);
    expect(torn.entries).toHaveLength(ENTRIES.length - 1);
    expect(torn.pending).toBe(FILE.length - 3 - torn.offset);
  });

  it('a footer that differs from its header, or a size over 1 MB, ends the reading with the rest reported', () => {
    const bad = Buffer.from(FILE);
    const second = localEntry(ENTRIES[0]!).length;
    bad.writeUInt32BE(999, second + localEntry(ENTRIES[1]!).length - 4);
    const r = readAll([bad]);
    expect(r.entries).toHaveLength(1);
    expect(r.bad).toHaveLength(1);
    expect(r.bad[0]).toMatchObject({ start: second, end: bad.length });
    expect(r.bad[0]!.reason).toMatch(/footer 999/);
    expect(r.offset).toBe(bad.length);
    const huge = Buffer.concat([Buffer.from([0, 0x10, 0, 0]), Buffer.alloc(20)]);
    expect(readAll([huge]).bad[0]!.reason).toMatch(/over 1 MB/);
  });

  it('skips unknown fields and refuses a truncated message', () => {
    const proto = Buffer.concat([
      Buffer.from([0x30, 0x05]), // field 6, varint
      Buffer.from([0x3d, 1, 2, 3, 4]), // field 7, fixed32
      field(0x0a, Buffer.from('stdout')),
      field(0x1a, Buffer.from('ok')),
    ]);
    expect(decodeLogEntry(proto)).toMatchObject({ stream: 'stdout', line: Buffer.from('ok') });
    expect(decodeLogEntry(Buffer.from([0x1a, 0x05, 0x61]))).toMatch(/not a LogEntry: truncated/);
  });
});

import { open, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SpoolFullError, SpoolRecordTooLargeError } from '../../../collector/spool/errors.js';
import { encodeRecord, recordSize, scan } from '../../../collector/spool/segment-format.js';
import {
  files,
  once,
  openSpool,
  payload,
  readAll,
  removeTempDirs,
  SMALL_SEGMENT,
  tempDir,
} from './helpers.js';

afterEach(async () => {
  vi.restoreAllMocks();
  await removeTempDirs();
});

interface Proto {
  write(...a: unknown[]): Promise<unknown>;
  datasync(): Promise<void>;
}

/** FileHandle's prototype, to count (or fail) the real calls the spool makes on its files. */
async function fileHandleProto(dir: string): Promise<Proto> {
  const fh = await open(path.join(dir, 'probe'), 'w');
  await fh.close();
  return Object.getPrototypeOf(fh) as Proto;
}

/** Writes of records (a buffer starting with the magic), not of a preallocation's zeros. */
const recordWrites = (spy: { mock: { calls: unknown[][] } }) =>
  spy.mock.calls.filter((c) => Buffer.isBuffer(c[0]) && c[0].readUInt32LE(0) === 0x5053484c).length;

/** A preallocation's write: its 1 MiB block of zeros (segment-file.ts). */
const isPrealloc = (buf: unknown) => Buffer.isBuffer(buf) && buf.length === 1 << 20 && buf[0] === 0;
const preallocWrites = (spy: { mock: { calls: unknown[][] } }) =>
  spy.mock.calls.filter((c) => isPrealloc(c[0])).length;

/** Leaves exactly one free file of 4 KiB zeros in `dir`, whatever the last preparation did
 * (finished, or cancelled by close()): the spare the next open starts with, no preallocation. */
async function onlySpare(dir: string): Promise<void> {
  for (const f of await readdir(dir)) if (f.startsWith('free-')) await unlink(path.join(dir, f));
  await writeFile(path.join(dir, 'free-spare.seg'), Buffer.alloc(4096));
}

describe('Spool', () => {
  it('reads back what it acked, across segments and a reopen, numbering going on', async () => {
    const dir = await tempDir();
    let spool = await openSpool(dir);
    const acks = Array.from({ length: 500 }, (_, i) => spool.append(payload(`r${i}`, 90)));
    expect(acks.map((a) => a.seq)).toEqual(acks.map((_, i) => i + 1));
    await Promise.all(acks.map((a) => a.durable));
    expect(spool.stats.segments).toBeGreaterThan(2); // 500 x 128 bytes over 16 KiB segments
    await spool.close();
    spool = await openSpool(dir);
    const recs = await readAll(spool);
    expect(recs.map((r) => r.payload.toString().split('.')[0])).toEqual(
      acks.map((_, i) => `r${i}`),
    );
    expect(spool.append(payload('next')).seq).toBe(501);
    await spool.close();
  });

  it('read() honours maxRecords and maxBytes, and always returns one record', async () => {
    const dir = await tempDir();
    const spool = await openSpool(dir);
    for (let i = 0; i < 20; i++) spool.append(payload(`r${i}`, 100));
    await spool.append(payload('last', 100)).durable;
    expect(await spool.read(3, 4, 1 << 20)).toHaveLength(4);
    expect((await spool.read(3, 100, 250)).map((r) => r.seq)).toEqual([3, 4]);
    expect((await spool.read(5, 100, 1)).map((r) => r.seq)).toEqual([5]);
    expect(await spool.read(22, 10, 1000)).toEqual([]);
    await spool.close();
  });

  it("reads back small records of a large segment in the drain's batches (a fractional average size)", async () => {
    // The drain reads 2000 records or 8 MiB at a time; syslog lines are a few hundred bytes,
    // so the read's size comes from the segment's average record size, which is fractional
    // (a read of a fractional length was refused: found by the benchmark's UDP outage). An
    // odd count of records, so the average is no whole number.
    const dir = await tempDir();
    const spool = await openSpool(dir, { segmentBytes: 8 << 20 });
    const sizes = Array.from({ length: 4999 }, (_, i) => 100 + ((i * 37) % 211));
    let last: Promise<void> = Promise.resolve();
    sizes.forEach((n, i) => (last = spool.append(payload(`r${i}`, n)).durable));
    await last;
    const got: number[] = [];
    for (let seq = 1; ;) {
      const recs = await spool.read(seq, 2000, 8 << 20);
      if (recs.length === 0) break;
      for (const r of recs) got.push(r.payload.length);
      seq = recs[recs.length - 1]!.seq + 1;
    }
    expect(got).toEqual(sizes);
    await spool.close();
  });

  it("group commit: 1000 appends in one tick are one write and one fdatasync ('always')", async () => {
    const dir = await tempDir();
    const proto = await fileHandleProto(dir);
    const spool = await openSpool(dir, { segmentBytes: 1 << 20 });
    const datasync = vi.spyOn(proto, 'datasync');
    const write = vi.spyOn(proto, 'write');
    const acks = Array.from({ length: 1000 }, (_, i) => spool.append(payload(`r${i}`, 300)));
    const syncsAtAck = await acks[999]!.durable.then(() => datasync.mock.calls.length);
    await Promise.all(acks.map((a) => a.durable));
    expect(syncsAtAck).toBe(1); // acked only after the fdatasync
    expect(datasync).toHaveBeenCalledTimes(1);
    expect(recordWrites(write)).toBe(1);
    expect(spool.stats).toMatchObject({ syncs: 1, writes: 1, durableSeq: 1000 });
    // Appends made while that sync is in flight form the next group.
    const first = spool.append(payload('a'));
    await new Promise((resolve) => setImmediate(resolve)); // the worker has taken `first`
    const more = Array.from({ length: 50 }, () => spool.append(payload('b')));
    await Promise.all([first, ...more].map((a) => a.durable));
    expect(datasync).toHaveBeenCalledTimes(3);
    await spool.close();
  });

  it("'interval' and 'off' make no syscall per append: one write per tick's appends", async () => {
    for (const sync of ['interval', 'off'] as const) {
      const dir = await tempDir();
      const proto = await fileHandleProto(dir);
      const spool = await openSpool(dir, { sync, segmentBytes: 1 << 20, syncIntervalMs: 60_000 });
      const datasync = vi.spyOn(proto, 'datasync');
      const write = vi.spyOn(proto, 'write');
      const acks = Array.from({ length: 1000 }, (_, i) => spool.append(payload(`r${i}`, 300)));
      await once(spool, 'readable');
      expect(recordWrites(write)).toBe(1);
      expect(datasync).not.toHaveBeenCalled();
      await Promise.all(acks.map((a) => a.durable));
      await spool.close(); // syncs what is written, whatever the policy
      expect(datasync).toHaveBeenCalledTimes(1);
      vi.restoreAllMocks();
    }
  });

  it("'interval' syncs on its timer, after the write, without a close", async () => {
    const dir = await tempDir();
    const proto = await fileHandleProto(dir);
    const spool = await openSpool(dir, { sync: 'interval', syncIntervalMs: 10 });
    const real = proto.datasync;
    const synced = new Promise<void>((resolve) => {
      vi.spyOn(proto, 'datasync').mockImplementation(function (this: unknown) {
        resolve();
        return real.call(this);
      });
    });
    const a = spool.append(payload('x'));
    await a.durable; // written to the OS
    await synced; // then the timer's fdatasync, with no further append
    expect(spool.stats.durableSeq).toBe(a.seq);
    await spool.close();
  });

  it('numbering continues above committedSeq when the spool holds less (its tail was lost)', async () => {
    const dir = await tempDir();
    let spool = await openSpool(dir);
    await spool.append(payload('a')).durable;
    await spool.close();
    spool = await openSpool(dir, { committedSeq: 1000 });
    expect(spool.stats).toMatchObject({ nextSeq: 1001, releasedSeq: 1000, bytes: 0 });
    await spool.append(payload('b')).durable;
    await spool.close();
    spool = await openSpool(dir); // without committedSeq: from the files alone
    expect(spool.stats.nextSeq).toBe(1002);
    expect((await readAll(spool, 2)).map((r) => r.seq)).toEqual([1001]);
    await spool.close();
    await expect(spool.read(1, 1, 1)).rejects.toThrow(/closed/);
    expect(() => spool.append(payload('c'))).toThrow(/closed/);
  });

  it('a torn tail is zeroed at open and appends continue after the last good record', async () => {
    const dir = await tempDir();
    let spool = await openSpool(dir);
    for (let i = 0; i < 5; i++) await spool.append(payload(`r${i}`)).durable;
    await spool.close();
    const file = path.join(dir, (await files(dir)).live[0]!);
    const bytes = await readFile(file);
    const end = scan(bytes, 1).end;
    // A sixth record whose write was cut after 50 bytes.
    const torn = Buffer.alloc(recordSize(200));
    encodeRecord(torn, 0, 6, 0, payload('torn', 200));
    torn.copy(bytes, end, 0, 50);
    await writeFile(file, bytes);
    spool = await openSpool(dir);
    expect(scan(await readFile(file), 1)).toMatchObject({ end, tail: 'clean' });
    expect(spool.append(payload('r5')).seq).toBe(6);
    await spool.append(payload('r6')).durable;
    await spool.close();
    spool = await openSpool(dir);
    const recs = await readAll(spool);
    expect(recs.map((r) => r.payload.toString().split('.')[0])).toEqual([
      'r0',
      'r1',
      'r2',
      'r3',
      'r4',
      'r5',
      'r6',
    ]);
    await spool.close();
  });

  it('a corrupt record in the middle is skipped with a count; the ones after it are read', async () => {
    const dir = await tempDir();
    let spool = await openSpool(dir);
    for (let i = 0; i < 10; i++) spool.append(payload(`r${i}`));
    await spool.append(payload('r10')).durable;
    await spool.close();
    const file = path.join(dir, (await files(dir)).live[0]!);
    const bytes = await readFile(file);
    const victim = scan(bytes, 1).records[4]!; // seq 5
    bytes[victim.offset + 40]! ^= 1;
    await writeFile(file, bytes);
    spool = await openSpool(dir);
    const recs = await readAll(spool);
    expect(recs.map((r) => r.seq)).toEqual([1, 2, 3, 4, 6, 7, 8, 9, 10, 11]);
    expect(spool.stats).toMatchObject({ corrupt: 1, missing: 1 });
    expect(spool.append(payload('x')).seq).toBe(12);
    await spool.close();
  });

  it('a record that goes bad after it was written is skipped by read() too', async () => {
    const dir = await tempDir();
    const spool = await openSpool(dir);
    for (let i = 0; i < 10; i++) spool.append(payload(`r${i}`));
    await spool.append(payload('r10')).durable;
    const file = path.join(dir, (await files(dir)).live[0]!);
    const victim = scan(await readFile(file), 1).records[2]!;
    const fh = await open(file, 'r+');
    await fh.write(Buffer.from([0xff]), 0, 1, victim.offset + 33);
    await fh.close();
    expect((await readAll(spool)).map((r) => r.seq)).toEqual([1, 2, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(spool.stats.corrupt).toBe(1);
    await spool.close();
  });

  it('released segments are recycled, and their old records never come back', async () => {
    const dir = await tempDir();
    let spool = await openSpool(dir, { keepFreeSegments: 2 });
    let seq = 0;
    const live = new Map<number, string>();
    for (let round = 0; round < 12; round++) {
      for (let i = 0; i < 150; i++) {
        const tag = `g${round}-${i}`;
        const a = spool.append(payload(tag, 60 + ((round * 7 + i) % 50)));
        live.set(a.seq, tag);
        seq = a.seq;
      }
      await spool.append(payload('flush')).durable;
      live.set(++seq, 'flush');
      const recs = await readAll(spool, spool.stats.releasedSeq + 1);
      expect(recs.map((r) => r.payload.toString().split('.')[0])).toEqual([...live.values()]);
      spool.release(seq - 100); // keep the last 100 unreleased
      for (const s of live.keys()) if (s <= seq - 100) live.delete(s);
      if (round % 4 === 3) {
        await spool.close();
        spool = await openSpool(dir, { keepFreeSegments: 2, committedSeq: seq - 100 });
      }
    }
    const { live: liveFiles, free } = await files(dir);
    expect(free.length).toBeLessThanOrEqual(3); // kept free files + the spare
    expect(liveFiles.length).toBeLessThanOrEqual(3);
    expect(spool.stats.segments).toBe(liveFiles.length);
    await spool.close();
  });

  it('a recycled file holding old records becomes the active segment: none of them is read', async () => {
    const dir = await tempDir();
    let spool = await openSpool(dir, { segmentBytes: 4096 });
    // Fill three segments with big records, release them all: their files become free files.
    for (let i = 0; i < 3 * 13; i++) spool.append(payload(`old${i}`, 280));
    const last = spool.append(payload('old-last', 280));
    await last.durable;
    spool.release(last.seq);
    // Small records now go to segments made from those files; the old bytes stay behind them.
    const fresh: string[] = [];
    // ~67 fill the current segment, ~73 the next (a fresh spare), the last few go to a recycled one.
    for (let i = 0; i < 150; i++) spool.append(payload(`new${i}`, 20 + (i % 5)));
    const tail = spool.append(payload('new-last', 24));
    fresh.push(...Array.from({ length: 150 }, (_, i) => `new${i}`), 'new-last');
    await tail.durable;
    await spool.close();
    const { live } = await files(dir);
    const active = path.join(dir, live.at(-1)!);
    const res = scan(await readFile(active), Number(live.at(-1)!.slice(6, 22)));
    expect(res.tail).toBe('stale'); // the scenario under test: old records after the new ones
    spool = await openSpool(dir); // no committedSeq: the spool alone must number on
    expect(spool.stats.nextSeq).toBe(tail.seq + 1);
    const recs = await readAll(spool, last.seq + 1);
    expect(recs.map((r) => r.payload.toString().split('.')[0])).toEqual(fresh);
    await spool.close();
  });

  it('a rotation right after release() reuses the released files: none is preallocated meanwhile', async () => {
    // Regression: release() renames its segments to free files in the background; a rotation
    // in the same turn found no free file yet and preallocated a new one, and the segment
    // after it waited for those zeros while the released files were already on their way.
    const dir = await tempDir();
    let spool = await openSpool(dir, { segmentBytes: 4096 });
    for (let i = 0; i < 3 * 13; i++) spool.append(payload(`old${i}`, 280));
    const last = spool.append(payload('old-last', 280)); // the 4th segment's first record
    await last.durable;
    await spool.close();
    await onlySpare(dir); // the spare at the next open
    spool = await openSpool(dir, { segmentBytes: 4096 });
    const write = vi.spyOn(await fileHandleProto(dir), 'write');
    spool.release(last.seq); // three sealed segments: two kept as free files, one deleted
    // Fills the 4th segment, then the spare (zeros), then the one after: a released file.
    for (let i = 0; i < 150; i++) spool.append(payload(`new${i}`, 20 + (i % 5)));
    const tail = spool.append(payload('new-last', 24));
    await tail.durable;
    await spool.close();
    expect(preallocWrites(write)).toBe(0);
    const { live } = await files(dir);
    expect(live).toHaveLength(3);
    const newest = path.join(dir, live.at(-1)!);
    expect(scan(await readFile(newest), Number(live.at(-1)!.slice(6, 22))).tail).toBe('stale');
    spool = await openSpool(dir, { segmentBytes: 4096 });
    const recs = await readAll(spool, last.seq + 1);
    expect(recs.map((r) => r.seq)).toEqual(Array.from({ length: 151 }, (_, i) => last.seq + 1 + i));
    expect(recs.every((r) => r.payload.toString().startsWith('new'))).toBe(true);
    await spool.close();
  });

  it('a segment waiting for its file after a failed preallocation and a recycled spare gets one', async () => {
    // Regression: after a failed preallocation, a released file became the spare and was taken;
    // the next segment then waited on a preparation that the retry period held back (none
    // was running), and the writer looped on it without yielding to the event loop.
    const dir = await tempDir();
    const opts = { segmentBytes: 4096, keepFreeSegments: 1, retryMs: 1e6 };
    const big = (tag: string) => payload(tag, 3800); // one per segment
    let spool = await openSpool(dir, opts);
    const first = spool.append(big('a'));
    await first.durable;
    await spool.close();
    await onlySpare(dir); // the spare at the next open
    spool = await openSpool(dir, opts);
    const errors: Error[] = [];
    spool.on('error', (e: Error) => errors.push(e));
    const proto = await fileHandleProto(dir);
    const realWrite = proto.write;
    const nospc = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    let noSpace = true;
    vi.spyOn(proto, 'write').mockImplementation(function (this: unknown, ...a: unknown[]) {
      if (noSpace && isPrealloc(a[0])) return Promise.reject(nospc);
      return realWrite.apply(this, a);
    });
    const failed = once(spool, 'error');
    const second = spool.append(big('b')); // takes the spare; preparing the next one fails
    await failed;
    await second.durable;
    expect(() => spool.append(big('refused'))).toThrow(/spool full \(disk\)/);
    noSpace = false; // space comes back long before the retry period (1e6 ms) ends
    const space = once(spool, 'space');
    spool.release(first.seq); // its segment's file becomes the spare
    await space;
    const third = spool.append(big('c')); // takes the recycled spare
    const fourth = spool.append(big('d')); // needs the next file, prepared from now on
    await Promise.all([third.durable, fourth.durable]);
    const recs = await readAll(spool, second.seq);
    expect(recs.map((r) => r.payload.toString()[0])).toEqual(['b', 'c', 'd']);
    expect(errors).toHaveLength(1);
    await spool.close();
  });

  it('refuses appends over maxBytes with SpoolFullError; release brings space back', async () => {
    const dir = await tempDir();
    const spool = await openSpool(dir, { maxBytes: 8 * 1024 });
    const full = once(spool, 'full');
    let last = 0;
    expect(() => {
      for (;;) last = spool.append(payload('x', 200)).seq;
    }).toThrow(SpoolFullError);
    expect(await full).toEqual(['bytes']);
    expect(spool.stats).toMatchObject({ full: true, fullReason: 'bytes', refused: 1 });
    expect(() => spool.append(payload('y', 1))).toThrow(/spool full \(bytes\)/);
    const space = once(spool, 'space');
    spool.release(last);
    await space;
    expect(spool.append(payload('z')).seq).toBe(last + 1);
    expect(() => spool.append(Buffer.alloc(SMALL_SEGMENT))).toThrow(SpoolRecordTooLargeError);
    await spool.close();
  });

  it('a failed write is retried (rewritten), appends refused meanwhile, nothing lost', async () => {
    const dir = await tempDir();
    const proto = await fileHandleProto(dir);
    const spool = await openSpool(dir);
    const errors: Error[] = [];
    spool.on('error', (e: Error) => errors.push(e));
    const realWrite = proto.write;
    const nospc = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    let failures = 2; // the first write of the group, and its first retry
    vi.spyOn(proto, 'write').mockImplementation(function (this: unknown, ...a: unknown[]) {
      const isRecord = Buffer.isBuffer(a[0]) && a[0].readUInt32LE(0) === 0x5053484c;
      if (isRecord && failures-- > 0) return Promise.reject(nospc);
      return realWrite.apply(this, a);
    });
    const acks = Array.from({ length: 20 }, (_, i) => spool.append(payload(`r${i}`)));
    await once(spool, 'full');
    expect(spool.stats.error).toMatch(/no space left on device \(ENOSPC\)/);
    expect(spool.stats.error).toContain(dir);
    expect(() => spool.append(payload('refused'))).toThrow(/spool full \(error\)/);
    await once(spool, 'space');
    await Promise.all(acks.map((a) => a.durable));
    expect(errors).toHaveLength(1);
    expect(spool.stats.error).toBeNull();
    expect((await readAll(spool)).map((r) => r.seq)).toEqual(acks.map((a) => a.seq));
    await spool.close();
  });
});

/**
 * Crash properties of the spool: whatever was acked durable ('always') survives any damage to
 * the bytes written after it, in order, none doubled, and numbering goes on after it.
 *
 * A crash is simulated without killing anything: the directory is copied synchronously (what
 * the disk holds at that instant; the live spool is then closed and forgotten), and the copy's
 * bytes after the last durable record are damaged as a power cut can leave them: never
 * written (zeros), a short file, a flipped byte, or intact.
 */
import { cpSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Spool } from '../../../collector/spool/spool.js';
import { scan } from '../../../collector/spool/segment-format.js';
import { openSpool, payload, readAll, removeTempDirs, tempDir } from './helpers.js';

afterEach(async () => {
  vi.restoreAllMocks();
  await removeTempDirs();
});

type Damage = 'zero' | 'cut' | 'flip' | 'keep';

/** The live segments of a directory with their records (seq -> [offset, end]). */
function segmentsOf(dir: string) {
  return readdirSync(dir)
    .filter((n) => n.startsWith('spool-'))
    .sort()
    .map((n) => {
      const file = path.join(dir, n);
      const res = scan(readFileSync(file), Number(n.slice(6, 22)));
      return { file, records: res.records.map((r) => [r.seq, r.offset, r.offset + r.size]) };
    });
}

/** Damages the copy at `at` (0..1 of the bytes of records numbered above `durableSeq`). */
function damage(dir: string, durableSeq: number, how: Damage, at: number): void {
  const spans: [string, number, number][] = [];
  for (const { file, records } of segmentsOf(dir)) {
    const after = records.filter(([seq]) => seq! > durableSeq);
    if (after.length > 0) spans.push([file, after[0]![1]!, after.at(-1)![2]!]);
  }
  const total = spans.reduce((a, [, from, to]) => a + to - from, 0);
  if (total === 0 || how === 'keep') return;
  let point = Math.min(total - 1, Math.floor(at * total));
  for (const [file, from, to] of spans) {
    if (point >= to - from) {
      point -= to - from;
      continue;
    }
    damageAt(file, from + point, to, how);
    return;
  }
}

function damageAt(file: string, at: number, end: number, how: Damage): void {
  if (how === 'cut') return truncateSync(file, at);
  const bytes = readFileSync(file);
  if (how === 'zero') bytes.fill(0, at, end);
  else bytes[at]! ^= 0x5a;
  writeFileSync(file, bytes);
}

/** What the test knows: the payload of every seq that exists, which were acked durable. */
interface Model {
  dir: string;
  spool: Spool;
  payloads: Map<number, string>;
  acked: Set<number>;
  pending: Promise<unknown>[];
  released: number;
}

/**
 * Reads everything unreleased after an open and checks it against the model; drops lost
 * records from it, and counts the ones read back as durable: they are in the spool's files.
 * After a crash these may include records written but not yet acked when the copy was taken
 * (during their group's fdatasync): whichever of them the damage spared are read like any other.
 */
async function check(m: Model, clean: boolean): Promise<void> {
  const recs = await readAll(m.spool, m.released + 1);
  const seqs = recs.map((r) => r.seq);
  for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
  for (const r of recs) expect(r.payload.toString()).toBe(m.payloads.get(r.seq));
  const read = new Set(seqs);
  for (const seq of m.payloads.keys()) {
    if (seq <= m.released) continue;
    if (m.acked.has(seq) || clean) expect(read.has(seq), `seq ${seq} lost`).toBe(true);
    if (!read.has(seq)) m.payloads.delete(seq);
  }
  for (const seq of seqs) m.acked.add(seq);
  const top = Math.max(m.released, ...seqs, ...m.acked);
  expect(m.spool.stats.nextSeq).toBeGreaterThan(top);
}

/**
 * Copies the directory synchronously: one instant of the disk, as far as this thread goes. A
 * rename by the spool's I/O thread during the copy (a free file becoming a segment) makes
 * cpSync miss a file; then the copy is made again.
 */
function snapshot(from: string, to: string): void {
  for (;;) {
    try {
      cpSync(from, to, { recursive: true });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      rmSync(to, { recursive: true, force: true });
    }
  }
}

async function crash(m: Model, how: Damage, at: number): Promise<void> {
  const copy = await tempDir('logharbor-spool-crash-');
  snapshot(m.dir, copy);
  const durable = Math.max(0, ...m.acked);
  await m.spool.close().catch(() => {});
  await Promise.allSettled(m.pending);
  for (const seq of [...m.acked]) if (seq > durable) m.acked.delete(seq); // acked after the instant
  damage(copy, durable, how, at);
  m.dir = copy;
  m.spool = await openSpool(copy, { segmentBytes: 4096 });
  m.pending = [];
  await check(m, false);
}

const op = fc.oneof(
  fc.record({
    t: fc.constant('append' as const),
    n: fc.integer({ min: 1, max: 40 }),
    size: fc.nat(300),
  }),
  fc.record({ t: fc.constant('settle' as const) }),
  fc.record({
    t: fc.constant('release' as const),
    frac: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
  fc.record({ t: fc.constant('reopen' as const) }),
  fc.record({ t: fc.constant('read' as const), max: fc.integer({ min: 1, max: 60 }) }),
  fc.record({
    t: fc.constant('crash' as const),
    how: fc.constantFrom<Damage>('zero', 'cut', 'flip', 'keep'),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
);

describe('Spool crash safety', () => {
  it('any interleaving of append / sync / crash / reopen / read / release keeps every durable record', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 20 }), async (ops) => {
        const dir = await tempDir();
        const m: Model = {
          dir,
          spool: await openSpool(dir, { segmentBytes: 4096 }),
          payloads: new Map(),
          acked: new Set(),
          pending: [],
          released: 0,
        };
        let appended = 0;
        try {
          for (const o of ops) {
            if (o.t === 'append') {
              for (let i = 0; i < o.n; i++) {
                const text = payload(`${++appended}:${i}`, 12 + ((o.size + i * 37) % 300));
                const { seq, durable } = m.spool.append(text);
                m.payloads.set(seq, text.toString());
                m.pending.push(
                  durable.then(
                    () => m.acked.add(seq),
                    () => {},
                  ),
                );
              }
            } else if (o.t === 'settle') {
              await Promise.all(m.pending);
            } else if (o.t === 'release') {
              const top = Math.max(m.released, ...m.acked);
              const upto = m.released + Math.floor(o.frac * (top - m.released));
              m.spool.release(upto);
              m.released = m.spool.stats.releasedSeq;
              for (const seq of m.payloads.keys()) if (seq <= m.released) m.payloads.delete(seq);
            } else if (o.t === 'read') {
              // A partial read: in order, as appended, and only what is durable ('always').
              const recs = await m.spool.read(m.released + 1, o.max, 1 << 20);
              expect(recs.length).toBeLessThanOrEqual(o.max);
              recs.forEach((r, i) => {
                if (i > 0) expect(r.seq).toBeGreaterThan(recs[i - 1]!.seq);
                expect(r.payload.toString()).toBe(m.payloads.get(r.seq));
                expect(m.acked.has(r.seq)).toBe(true);
              });
            } else if (o.t === 'reopen') {
              await m.spool.close();
              await Promise.all(m.pending);
              m.spool = await openSpool(m.dir, { segmentBytes: 4096 });
              await check(m, true);
            } else await crash(m, o.how, o.at);
          }
          await crash(m, 'keep', 0);
          const next = m.spool.append(Buffer.from('after'));
          await next.durable;
          expect(next.seq).toBe(m.spool.stats.nextSeq - 1);
        } finally {
          await m.spool.close().catch(() => {});
        }
      }),
      { numRuns: 40 },
    );
  }, 180_000);

  it("a crash during a group's fdatasync: what it kept of the group is read back, though never acked", async () => {
    const dir = await tempDir();
    const spool = await openSpool(dir, { segmentBytes: 4096 });
    await spool.append(payload('durable')).durable; // seq 1
    // The next fdatasync is held: its group is written to the OS, none of it acked.
    const probe = await open(path.join(dir, 'probe'), 'w');
    await probe.close();
    const proto = Object.getPrototypeOf(probe) as { datasync(): Promise<void> };
    const realSync = proto.datasync;
    let syncing!: () => void;
    let unhold!: () => void;
    const inSync = new Promise<void>((resolve) => (syncing = resolve));
    const held = new Promise<void>((resolve) => (unhold = resolve));
    vi.spyOn(proto, 'datasync').mockImplementation(async function (this: unknown) {
      syncing();
      await held;
      return realSync.call(this);
    });
    const group = Array.from({ length: 5 }, (_, i) => spool.append(payload(`g${i}`))); // 2..6
    await inSync;
    const copy = await tempDir('logharbor-spool-crash-');
    snapshot(dir, copy);
    unhold();
    vi.restoreAllMocks();
    await Promise.all(group.map((a) => a.durable));
    await spool.close();
    damage(copy, 1, 'flip', 0); // the group's first record
    const s = await openSpool(copy, { segmentBytes: 4096 });
    expect((await readAll(s)).map((r) => r.seq)).toEqual([1, 3, 4, 5, 6]);
    expect(s.stats).toMatchObject({ nextSeq: 7, corrupt: 1, missing: 1 });
    await s.close();
  });

  it('damage at every byte offset of the last record: the durable ones stay, appends go on', async () => {
    const dir = await tempDir();
    const spool = await openSpool(dir, { segmentBytes: 4096 });
    const texts = ['first', 'second', 'third', 'the last one, not yet durable'].map((t) =>
      payload(t, 20 + t.length),
    );
    for (const t of texts) await spool.append(t).durable;
    await spool.close();
    const [{ file, records }] = segmentsOf(dir) as [ReturnType<typeof segmentsOf>[0]];
    const [, start, end] = records[3]!;
    const name = path.basename(file);
    for (let at = start!; at < end!; at++) {
      for (const how of ['zero', 'cut', 'flip'] as const) {
        const copy = await tempDir('logharbor-spool-offset-');
        cpSync(dir, copy, { recursive: true });
        damageAt(path.join(copy, name), at, end!, how);
        let s = await openSpool(copy, { segmentBytes: 4096, sync: 'off' });
        const got = (await readAll(s)).map((r) => r.payload.toString());
        // The last record survives only damage to its padding (outside the crc).
        const intact = at >= start! + 32 + texts[3]!.length;
        expect(got).toEqual(texts.slice(0, intact ? 4 : 3).map(String));
        const next = s.append(Buffer.from('after'));
        expect(next.seq).toBe(intact ? 5 : 4);
        await next.durable;
        await s.close();
        s = await openSpool(copy, { segmentBytes: 4096 });
        expect((await readAll(s)).map((r) => r.payload.toString()).at(-1)).toBe('after');
        expect(s.stats.corrupt).toBe(0); // a torn tail is not corruption
        await s.close();
      }
    }
  }, 120_000);
});

/**
 * A real full disk: the spool on a 2 MiB tmpfs, filled until the device refuses.
 * Needs mount(8) permission (root); where it is missing the test is skipped with a message,
 * except where LOGHARBOR_TEST_REQUIRE_PROGRAMS is set (.ci/run), where that is a failure.
 */
import { execFileSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpoolFullError } from '../../../collector/spool/errors.js';
import type { Appended } from '../../../collector/spool/spool.js';
import { once, openSpool, payload, readAll, tempDir } from './helpers.js';
import { skipOrFail } from '../../support/skip.js';

let mnt: string | null = null;
let whyNot = '';

beforeAll(async () => {
  const dir = await tempDir('logharbor-spool-tmpfs-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'pipe' });
    mnt = dir;
  } catch (err) {
    whyNot = String((err as { stderr?: Buffer }).stderr ?? err).trim();
  }
});

afterAll(async () => {
  // Lazy: a failed test may have left a file open there.
  if (mnt) execFileSync('umount', ['-l', mnt]);
  if (mnt) await rm(mnt, { recursive: true, force: true });
});

describe('Spool on a full disk', () => {
  it('refuses appends with a clear error, keeps every durable record, resumes when space returns', async (ctx) => {
    if (!mnt) {
      skipOrFail(ctx, 'the full-disk test (a small tmpfs, mounted as root)', whyNot);
      return;
    }
    const filler = path.join(mnt, 'filler');
    await writeFile(filler, Buffer.alloc(640 * 1024, 1));
    const dir = path.join(mnt, 'spool');
    const segmentBytes = 256 * 1024;
    let spool = await openSpool(dir, { segmentBytes, retryMs: 10 });
    const errors: Error[] = [];
    spool.on('error', (e: Error) => errors.push(e));
    const full = once(spool, 'full');
    const acked: Appended[] = [];
    const sent: Buffer[] = [];
    let refusal: unknown = null;
    for (let tick = 0; refusal === null; tick++) {
      try {
        for (let i = 0; i < 50; i++) {
          const p = payload(`t${tick}-${i}`, 1000);
          acked.push(spool.append(p));
          sent.push(p);
        }
      } catch (err) {
        if (spool.stats.error === null)
          await once(spool, 'space'); // next segment not ready yet
        else refusal = err;
      }
      if (refusal === null) await acked.at(-1)!.durable;
      expect(tick).toBeLessThan(1000); // 2 MiB cannot hold 1000 x 50 KiB
    }
    await full;
    expect(refusal).toBeInstanceOf(SpoolFullError);
    expect(String(refusal)).toMatch(/spool full \((disk|error)\): .*no space left on device/);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]!.message).toContain(dir);
    expect(errors[0]!.message).toContain('ENOSPC');
    expect(spool.stats.full).toBe(true);

    // What was acked before the refusal reads back, byte for byte.
    const durableSeq = spool.stats.durableSeq;
    const before = await readAll(spool);
    expect(before.length).toBeGreaterThanOrEqual(durableSeq);
    expect(before.length).toBeGreaterThan(1000);
    before.forEach((r, i) => {
      expect(r.seq).toBe(acked[i]!.seq);
      expect(r.payload.equals(sent[i]!)).toBe(true);
    });

    // Space comes back: the spool notices by itself (retry) and appends go on.
    const space = once(spool, 'space');
    await rm(filler);
    await space;
    expect(spool.stats.error).toBeNull();
    const more = Array.from({ length: 50 }, (_, i) => spool.append(payload(`more-${i}`, 1000)));
    await Promise.all([...acked, ...more].map((a) => a.durable));
    await spool.close();

    spool = await openSpool(dir, { segmentBytes });
    const all = await readAll(spool);
    expect(all.map((r) => r.seq)).toEqual([...acked, ...more].map((a) => a.seq));
    expect(all.at(-1)!.payload.equals(payload('more-49', 1000))).toBe(true);
    expect(spool.stats.corrupt).toBe(0);
    await spool.close();
  }, 60_000);
});

/** Shared helpers of the spool tests: temporary directories, defaults, reading everything. */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../../core/log.js';
import { Spool, type SpoolOptions } from '../../../collector/spool/spool.js';
import type { SpoolRecord } from '../../../collector/spool/segment-format.js';

export const SMALL_SEGMENT = 16 * 1024;

const dirs: string[] = [];

export async function tempDir(prefix = 'logharbor-spool-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
}

export function openSpool(dir: string, opts: Partial<SpoolOptions> = {}): Promise<Spool> {
  return Spool.open(
    {
      dir,
      segmentBytes: SMALL_SEGMENT,
      maxBytes: 64 * 1024 * 1024,
      sync: 'always',
      whenFull: 'pause',
      retryMs: 5,
      ...opts,
    },
    silentLogger,
  );
}

/** Every record from `fromSeq` on, read in small batches to cross segments and chunks. */
export async function readAll(spool: Spool, fromSeq = 1, batch = 7): Promise<SpoolRecord[]> {
  const out: SpoolRecord[] = [];
  for (let seq = fromSeq; ;) {
    const recs = await spool.read(seq, batch, 1 << 20);
    if (recs.length === 0) return out;
    out.push(...recs);
    seq = recs[recs.length - 1]!.seq + 1;
  }
}

/** Segment file names in a directory, by kind. */
export async function files(dir: string): Promise<{ live: string[]; free: string[] }> {
  const names = (await readdir(dir)).sort();
  return {
    live: names.filter((n) => n.startsWith('spool-')),
    free: names.filter((n) => n.startsWith('free-')),
  };
}

/** A payload that says which append it was, of a chosen size. */
export function payload(tag: string, size = 40): Buffer {
  const b = Buffer.alloc(size, 0x2e);
  b.write(tag.slice(0, size));
  return b;
}

/** Waits for an event (never a timer): the test fails by timeout if it never comes. */
export function once(spool: Spool, event: string): Promise<unknown[]> {
  return new Promise((resolve) => spool.once(event, (...args: unknown[]) => resolve(args)));
}

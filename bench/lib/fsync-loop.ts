/**
 * The rate of durable appends one at a time on this machine's disk: pwrite of a small
 * record into a preallocated file, then fdatasync, through a FileHandle as the spool does
 * (collector/spool/segment-file.ts), for `seconds`. Under LOGHARBOR_SPOOL_SYNC=always, one
 * connection that waits for each ack gets at most one such append per round trip, so this
 * rate bounds it whatever the receiver does (and it is the ceiling of one appender in
 * bench/spool-codec.ts). In a temporary folder of the data directory's filesystem, or in
 * `dir`.
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FILE_BYTES = 8 << 20;
const RECORD_BYTES = 300;

export async function fsyncLoopRate(seconds: number, inDir?: string): Promise<number> {
  const dir = await mkdtemp(join(inDir ?? tmpdir(), 'lh-fsync-'));
  try {
    const fh = await open(join(dir, 'loop.bin'), 'w+');
    try {
      // Written whole and synced first: a later fdatasync flushes data, not extents.
      await fh.write(Buffer.alloc(FILE_BYTES), 0, FILE_BYTES, 0);
      await fh.sync();
      const record = Buffer.alloc(RECORD_BYTES, 0x61);
      let n = 0;
      const start = performance.now();
      const until = start + seconds * 1000;
      for (let pos = 0; performance.now() < until; n++) {
        await fh.write(record, 0, RECORD_BYTES, pos);
        await fh.datasync();
        pos = (pos + RECORD_BYTES) % (FILE_BYTES - RECORD_BYTES);
      }
      return n / ((performance.now() - start) / 1000);
    } finally {
      await fh.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Spool sequence numbers are never used twice, whatever the sync policy. The drain hands a
 * unit to PostgreSQL once the spool has written it, but under LOGHARBOR_SPOOL_SYNC=off or
 * `interval` a power loss can take back written records the OS had not flushed, and the
 * spool would then number new records from where its files end: a new record could get
 * the number of one PostgreSQL already holds and be skipped as stored. So before the
 * drain hands on a number at or above the floor kept here, it moves the floor RESERVE
 * ahead, durably (write, fsync, rename, fsync the directory, as PostgreSQL does for its
 * control file); the spool numbers from the floor at open. One small sync per RESERVE
 * units.
 */
import { open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';

const RESERVE = 1 << 20;

export class SeqFloor {
  private constructor(
    private readonly file: string,
    private floor: number,
  ) {}

  /** The floor kept in `dir` (0 when none was kept yet). */
  static async open(dir: string): Promise<SeqFloor> {
    const file = path.join(dir, 'seq-floor');
    const text = await readFile(file, 'utf8').catch(() => '0');
    const n = Number(text.trim());
    return new SeqFloor(file, Number.isSafeInteger(n) && n > 0 ? n : 0);
  }

  /** Numbers below this may have been handed on; the spool numbers from it at open. */
  get value(): number {
    return this.floor;
  }

  /** True when `seq` may be handed on without moving the floor first. */
  covers(seq: number): boolean {
    return seq < this.floor;
  }

  /** Moves the floor past `seq` (durably) before `seq` is handed on. */
  async reserve(seq: number): Promise<void> {
    if (this.covers(seq)) return;
    const next = seq + RESERVE;
    const tmp = `${this.file}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(`${next}\n`);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.file);
    const dir = await open(path.dirname(this.file), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    this.floor = next;
  }
}

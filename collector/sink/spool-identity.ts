/**
 * A spool directory's identity and its owner. Each collector has its own spool (issue 16,
 * "Several collectors"); its id, a random one kept in the directory, names its rows in
 * spool_drained (migration 009), so a spool directory made anew never inherits another's
 * drained numbers. A lock file holding the owner's pid keeps two processes from sharing
 * one spool: a pid that no longer runs (a crash, kill -9) does not hold it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Errors, LogharborError } from '../../core/errors.js';

export interface SpoolIdentity {
  id: string;
  /** Releases the lock (at shutdown). */
  unlock(): Promise<void>;
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readId(file: string): Promise<string | null> {
  try {
    const id = (await readFile(file, 'utf8')).trim();
    return /^[0-9a-f]{32}$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

/** Takes the spool directory `dir` (created if missing) for this process. */
export async function claimSpool(dir: string): Promise<SpoolIdentity> {
  await mkdir(dir, { recursive: true });
  const lock = path.join(dir, 'lock');
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(lock, 'wx');
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
      const pid = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && running(pid)) {
        throw new LogharborError(
          Errors.CONFIG_INVALID,
          `LOGHARBOR_SPOOL_DIR: ${dir} is in use by process ${pid}; every collector needs its own spool`,
        );
      }
      // Left by a process that is gone: take it over.
      await writeFile(lock, `${process.pid}\n`);
      break;
    }
  }
  const idFile = path.join(dir, 'id');
  let id = await readId(idFile);
  if (!id) {
    id = randomBytes(16).toString('hex');
    const tmp = `${idFile}.tmp`;
    const fh = await open(tmp, 'w');
    await fh.writeFile(`${id}\n`);
    await fh.sync();
    await fh.close();
    await rename(tmp, idFile);
  }
  return {
    id,
    async unlock() {
      const pid = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
      if (pid === process.pid) await rm(lock, { force: true });
    },
  };
}

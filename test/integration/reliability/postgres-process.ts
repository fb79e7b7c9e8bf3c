/**
 * Faults of the embedded PostgreSQL server for the reliability tests: SIGKILL to the
 * postmaster (crash recovery on the next start), and a restart on the same data
 * directory and port.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startEmbedded, type EmbeddedServer } from '../../../core/db/embedded.js';
import { waitFor } from './tally.js';

/** SIGKILL to the postmaster; resolves once it is gone. */
export async function killPostmaster(dataDir: string): Promise<void> {
  const pid = Number(
    readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0],
  );
  process.kill(pid, 'SIGKILL');
  await waitFor(
    'the postmaster to die',
    () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    },
    30_000,
  );
}

/** After a SIGKILL, orphaned backends may hold the old shared memory for a moment. */
export async function restartEmbedded(
  dataDir: string,
  port: number,
  settings: Record<string, string>,
): Promise<EmbeddedServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startEmbedded({ dataDir, port, settings });
    } catch (e) {
      if (attempt >= 20) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** The URL of the embedded server under `dataDir`, its port read from postmaster.pid (4th line). */
export function embeddedUrl(dataDir: string): string {
  const port = readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[3];
  return `postgres://postgres:logharbor@127.0.0.1:${port}/postgres`;
}

/**
 * A PostgreSQL of its own that a benchmark may stop and start again (issue 16: the
 * spool under an outage): the embedded server (core/db/embedded.ts, logharbor's own
 * settings, fsync on) in a directory of the run's scratch space, restarted on the same
 * data directory and port, so a logharbor pointed at it reconnects by itself. Not the
 * shared ingest cluster (bench/lib/cluster.ts), which other sections keep using. Its
 * directory is a temporary one of its own, removed by close(): run as root, PostgreSQL
 * runs as the postgres user, and startEmbedded opens up only the data directory's own
 * parent to it. The restart follows test/integration/reliability/postgres-process.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbedded, type EmbeddedServer } from '../../core/db/embedded.js';

export interface StoppablePostgres {
  url: string;
  port: number;
  /** Fast shutdown (SIGINT: open transactions rolled back, then a checkpoint); resolves once gone. */
  stop(): Promise<void>;
  /** Starts it again on the same data directory and port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it for good and removes its data. */
  close(): Promise<void>;
}

export async function startStoppablePostgres(): Promise<StoppablePostgres> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'lh-bench-pg-outage-'));
  let server: EmbeddedServer | null = await startEmbedded({ dataDir }).catch((e: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  });
  const { url, port } = server;
  return {
    url,
    port,
    async stop() {
      await server?.stop();
      server = null;
    },
    async start() {
      // The port may still be held for a moment by the old postmaster's sockets.
      for (let attempt = 1; ; attempt++) {
        try {
          server = await startEmbedded({ dataDir, port });
          return;
        } catch (e) {
          if (attempt >= 20) throw e;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    },
    async close() {
      await server?.stop();
      server = null;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The database a command uses: DATABASE_URL, or the embedded PostgreSQL under the data
 * directory (started here, stopped by `stop`).
 */
import type { Config } from '../core/config.js';
import { startEmbedded } from '../core/db/embedded.js';
import type { Logger } from '../core/log.js';

export interface Database {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

export async function openDatabase(cfg: Config, log: Logger): Promise<Database> {
  if (cfg.databaseUrl)
    return { url: cfg.databaseUrl, embedded: false, stop: async () => undefined };
  log.info({ dataDir: cfg.dataDir }, 'starting embedded PostgreSQL');
  const pg = await startEmbedded({
    dataDir: cfg.dataDir,
    port: 0, // a free port each start: nothing outside this process connects to it
    onLog: (line) => log.debug({ postgres: line }),
  });
  return { url: pg.url, embedded: true, stop: () => pg.stop() };
}

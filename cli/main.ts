/**
 * The `logharbor` command line (commander).
 */
import { Command } from 'commander';
import { loadConfig } from '../core/config.js';
import { LogharborError } from '../core/errors.js';
import { migrate } from '../core/db/migrate.js';
import { createPool } from '../core/db/pool.js';
import { createLogger } from '../core/log.js';
import { openDatabase } from './database.js';
import { serve } from './serve.js';

const program = new Command();
program
  .name('logharbor')
  .description('Docker and syslog logs into PostgreSQL, searchable and live.')
  .version('0.1.0');

program
  .command('serve', { isDefault: true })
  .description('run the collector and the API in one process')
  .action(() => serve('all'));
program
  .command('collector')
  .description('run only the collector (forward and syslog listeners, writer)')
  .action(() => serve('collector'));
program
  .command('api')
  .description('run only the API and the web page')
  .action(() => serve('api'));
program
  .command('migrate')
  .description('apply database migrations and exit')
  .action(async () => {
    const cfg = loadConfig();
    const log = createLogger(cfg.logLevel);
    const db = await openDatabase(cfg, log);
    const pool = createPool(db.url, { max: 2 });
    const applied = await migrate(pool);
    process.stdout.write(
      applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n',
    );
    await pool.end();
    await db.stop();
  });

program.parseAsync().catch((e: unknown) => {
  const msg =
    e instanceof LogharborError
      ? `${e.code}: ${e.message}`
      : e instanceof Error
        ? e.message
        : String(e);
  process.stderr.write(`logharbor: ${msg}\n`);
  process.exit(1);
});

/**
 * The `logharbor` command line (commander).
 */
import { Command } from 'commander';
import { loadConfig } from '../core/config.js';
import { LogharborError } from '../core/errors.js';
import { migrate } from '../core/db/migrate.js';
import { createPool } from '../core/db/pool.js';
import { createLogger } from '../core/log.js';
import { openDatabase } from '../core/db/open.js';
import { addAlertsCommand } from './alerts.js';
import { doctor, type DoctorOptions } from './doctor.js';
import { addImportCommand } from './import/cli.js';
import { colorFor } from './output.js';
import { DEFAULT_URL } from './remote.js';
import { search, type SearchOptions } from './search.js';
import { serve } from '../server/serve.js';
import { tail, type TailOptions } from './tail.js';

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

/** `| head` closing the pipe ends the output, not with a stack trace. */
function quietOnEpipe(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}
const line = (s: string) => process.stdout.write(`${s}\n`);
const QUERY_HELP = 'query, e.g. \'container:web level>=warn timeout\' (README, "Query syntax")';
const TOKEN_HELP = 'API token; prefer LOGHARBOR_API_TOKEN or LOGHARBOR_API_TOKEN_FILE (not in ps)';

program
  .command('search')
  .description('search a running logharbor; newest matches, printed oldest first')
  .argument('[query]', QUERY_HELP, '')
  .option('--since <age>', 'only records from this long ago on, e.g. 15m, 2h, 7d')
  .option('--from <time>', 'only records at or after this time (RFC 3339, epoch ms or age)')
  .option('--to <time>', 'only records before this time')
  .option('--limit <n>', 'at most this many records', '100')
  .option('--json', 'print records as NDJSON')
  .option('--url <url>', 'the logharbor API', DEFAULT_URL)
  .option('--token <token>', TOKEN_HELP)
  .action(async (query: string, opts: SearchOptions) => {
    quietOnEpipe();
    await search(query, opts, line, { color: colorFor(process.stdout, process.env) }, process.env);
  });
program
  .command('tail')
  .description('follow new matching records live; reconnects without gaps or repeats')
  .argument('[query]', QUERY_HELP, '')
  .option('--after <id>', 'start after this record id instead of with a short backlog')
  .option('--json', 'print records as NDJSON')
  .option('--url <url>', 'the logharbor API', DEFAULT_URL)
  .option('--token <token>', TOKEN_HELP)
  .action(async (query: string, opts: TailOptions) => {
    quietOnEpipe();
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    process.once('SIGTERM', () => stop.abort());
    await tail(
      query,
      opts,
      {
        write: (s) => process.stdout.write(`${s}\n`),
        onDrain: (fn) => process.stdout.once('drain', fn),
        note: (s) => process.stderr.write(`${s}\n`),
        style: { color: colorFor(process.stdout, process.env) },
      },
      process.env,
      stop.signal,
    );
  });

program
  .command('doctor')
  .description('what to improve in your Docker logging setup, with the lines to paste')
  .option('--since <age>', 'senders seen since this long ago or this time (default 24h)')
  .option('--all', 'per sender, with the reasons; senders with nothing to improve too')
  .option('--json', 'print the API answer as JSON')
  .option('--url <url>', 'the logharbor API', DEFAULT_URL)
  .option('--token <token>', TOKEN_HELP)
  .action(async (opts: DoctorOptions) => {
    quietOnEpipe();
    await doctor(opts, line, { color: colorFor(process.stdout, process.env) }, process.env);
  });

addImportCommand(program);
addAlertsCommand(program, {
  line,
  style: () => ({ color: colorFor(process.stdout, process.env) }),
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

/**
 * The `import` subcommand's flags (commander), its signals and its exit code: 0 when
 * done, 130 when interrupted (run it again to resume), 1 on an error (the state keeps
 * what logharbor acked before it).
 */
import type { Command } from 'commander';
import { DEFAULT_CONTAINERS_DIR } from './discover.js';
import { DEFAULT_LABELS, runImport, summary, type ImportOptions } from './command.js';

const collect = (v: string, prev: string[]) => [...prev, v];

export function addImportCommand(program: Command): void {
  program
    .command('import')
    .description(
      'send the logs Docker already has (json-file and local driver files, rotated and gzipped too) to a running logharbor; resumable, never stores a line twice',
    )
    .argument(
      '[paths...]',
      `Docker's data root, its containers folder, container folders or log files (default ${DEFAULT_CONTAINERS_DIR})`,
    )
    .option(
      '--forward <address>',
      "logharbor's forward listener, host:port or unix:///path (default LOGHARBOR_FORWARD_ADDR, else 127.0.0.1:24224); the shared key from LOGHARBOR_SHARED_KEY(_FILE)",
    )
    .option('--container <name|id>', 'only this container (repeatable)', collect, [])
    .option(
      '--labels <list>',
      "container labels to send, as the fluentd driver's labels= option",
      DEFAULT_LABELS,
    )
    .option('--env <list>', 'container environment variables to send, as its env= option')
    .option('--rate <lines>', 'at most this many lines a second')
    .option(
      '--window <requests>',
      'requests (of about 256 KB) sent and waiting for their acks at once (default 4)',
    )
    .option(
      '--state <file>',
      'where the import keeps its place (default $XDG_STATE_HOME/logharbor/import.json, else ~/.local/state/...)',
    )
    .option(
      '--no-state',
      'keep no place: read everything again (logharbor still stores nothing twice)',
    )
    .option('--dry-run', 'list the containers and files and what is left of each; send nothing')
    .option('--quiet', 'no progress, only the summary')
    .action(async (paths: string[], opts: ImportOptions) => {
      const stop = new AbortController();
      const onSignal = () => {
        if (stop.signal.aborted) process.exit(130); // a second Ctrl-C: now
        stop.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const r = await runImport(paths, opts, {
        out: (s) => process.stdout.write(`${s}\n`),
        err: process.stderr,
        env: process.env,
        signal: stop.signal,
      });
      if (!opts.dryRun) for (const l of summary(r)) process.stdout.write(`${l}\n`);
      if (r.interrupted) process.exitCode = 130;
    });
}

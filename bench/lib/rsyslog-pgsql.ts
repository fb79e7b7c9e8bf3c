/**
 * A private rsyslogd writing to PostgreSQL with its own output module, ompgsql (Debian
 * package rsyslog-pgsql), for the syslog comparison: it listens with imtcp on
 * 127.0.0.1 (octet-counted framing is on by default) and inserts every message into the
 * SystemEvents table of the schema Debian's package installs, with ompgsql's built-in
 * template. The action gets a LinkedList queue with 1000-message batches and two
 * workers (each batch one transaction), as rsyslog's documentation advises for database
 * outputs (tried on the 2-core development machine with 20k lines: the default direct
 * queue 2.1-2.2k lines/s, this 2.0-2.8k, one worker 3.0k: within that busy machine's
 * noise, so the documented setting stays). As in test/support/programs.ts, it runs
 * with its own config, work directory and pid file and touches nothing of the system's
 * rsyslog.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, isListening, which } from '../../dev/programs.js';

const MODULE = '/usr/lib/x86_64-linux-gnu/rsyslog/ompgsql.so';

/** The table of Debian's /usr/share/dbconfig-common/data/rsyslog-pgsql/install/pgsql. */
export const SYSTEM_EVENTS_SQL = `CREATE TABLE SystemEvents (
  ID serial not null primary key, CustomerID bigint, ReceivedAt timestamp without time zone NULL,
  DeviceReportedTime timestamp without time zone NULL, Facility smallint NULL, Priority smallint NULL,
  FromHost varchar(60) NULL, Message text, NTSeverity int NULL, Importance int NULL,
  EventSource varchar(60), EventUser varchar(60) NULL, EventCategory int NULL, EventID int NULL,
  EventBinaryData text NULL, MaxAvailable int NULL, CurrUsage int NULL, MinUsage int NULL,
  MaxUsage int NULL, InfoUnitID int NULL, SysLogTag varchar(60), EventLogType varchar(60),
  GenericFileName VarChar(60), SystemID int NULL)`;

/** Why the rsyslog row cannot run, or null. */
export function rsyslogPgsqlMissing(): string | null {
  if (!which('rsyslogd'))
    return 'rsyslogd not installed (apt-get install -y rsyslog rsyslog-pgsql)';
  if (!existsSync(MODULE))
    return `rsyslog's PostgreSQL output ${MODULE} not installed (apt-get install -y rsyslog-pgsql)`;
  return null;
}

export interface RsyslogPgsql {
  port: number;
  pid: number;
  log(): Promise<string>;
  stop(): Promise<void>;
}

/** `db` is a database URL (postgres://user:pass@host:port/name). */
export async function startRsyslogPgsql(db: string): Promise<RsyslogPgsql> {
  const u = new URL(db);
  const port = await freePort('tcp');
  const dir = await mkdtemp(path.join(tmpdir(), 'lh-bench-rsyslog-'));
  await mkdir(path.join(dir, 'work'));
  const conf = path.join(dir, 'rsyslog.conf');
  await writeFile(
    conf,
    [
      `global(workDirectory="${dir}/work" maxMessageSize="64k")`,
      `module(load="imtcp")`,
      `module(load="ompgsql")`,
      `input(type="imtcp" address="127.0.0.1" port="${port}" ruleset="pg")`,
      `ruleset(name="pg") {`,
      `  action(type="ompgsql" server="${u.hostname}" port="${u.port}" db="${u.pathname.slice(1)}"`,
      `         user="${decodeURIComponent(u.username)}" pass="${decodeURIComponent(u.password)}"`,
      `         queue.type="LinkedList" queue.size="500000" queue.dequeueBatchSize="1000"`,
      `         queue.workerThreads="2")`,
      `}`,
      `action(type="omfile" file="${dir}/internal.log")`,
      '',
    ].join('\n'),
  );
  const logFile = path.join(dir, 'rsyslogd.log');
  const fd = openSync(logFile, 'a');
  const child = spawn(
    which('rsyslogd')!,
    ['-n', '-f', conf, '-i', path.join(dir, 'rsyslogd.pid')],
    {
      stdio: ['ignore', fd, fd],
    },
  );
  closeSync(fd);
  const kill = () => void child.kill('SIGKILL');
  process.once('exit', kill);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const log = async () =>
    (
      await Promise.all(
        [logFile, path.join(dir, 'internal.log')].map((f) => readFile(f, 'utf8').catch(() => '')),
      )
    ).join('');
  const stop = async () => {
    process.off('exit', kill);
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(kill, 5000);
      await exited;
      clearTimeout(t);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  while (!(await isListening('tcp', port, child.pid))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const text = await log();
      await stop();
      throw new Error(`rsyslogd did not listen on 127.0.0.1:${port}:\n${text}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, pid: child.pid!, log, stop };
}

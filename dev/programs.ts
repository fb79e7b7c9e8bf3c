/**
 * Real senders we did not write, for integration tests: util-linux `logger` and a
 * private `rsyslogd` that forwards what it receives (docs/architecture.md, "Quality bar": real
 * clients in tests). Nothing here touches the system daemon's files: rsyslog gets its
 * own config, work directory and pid file, loads no imuxsock/imklog (so /dev/log and
 * the kernel log stay alone) and listens only on 127.0.0.1.
 *
 * A missing program is reported, not hidden: `missing()` gives the reason a test skips
 * with (test/support/skip.ts decides between skipping and failing), and the runners
 * throw a message naming the Debian package to install.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, openSync, closeSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface ProgramResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to the program's stdin, which is then closed. */
  input?: string | Buffer;
  /** The program is killed (SIGKILL) after this long; default 60 s. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Where each program the tests need comes from on Debian 12, for the error a test
 * prints. .ci/run installs every package named here (test/unit/skips.test.ts checks).
 */
export const DEBIAN_PACKAGES = {
  logger: 'bsdutils',
  rsyslogd: 'rsyslog',
  dockerd: 'docker.io',
  docker: 'docker.io',
  busybox: 'busybox-static',
  tar: 'tar',
  chromium: 'chromium',
  openssl: 'openssl',
  'docker-compose': 'docker-compose',
} as const;

const PACKAGE_OF: Readonly<Record<string, string>> = DEBIAN_PACKAGES;

// sbin directories are searched too: a non-root PATH often lacks them, and rsyslogd and
// dockerd live there.
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** The absolute path of an executable on PATH (or in an sbin directory), or null. */
export function which(cmd: string): string | null {
  if (cmd.includes('/')) return isExecutable(cmd) ? cmd : null;
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean).concat(EXTRA_DIRS);
  for (const dir of dirs) {
    const candidate = path.join(dir, cmd);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function has(cmd: string): boolean {
  return which(cmd) !== null;
}

/** Why a test needing these programs must skip, or null when all are present. */
export function missing(...cmds: string[]): string | null {
  const absent = cmds.filter((c) => !has(c));
  if (absent.length === 0) return null;
  const pkgs = absent.map((c) => PACKAGE_OF[c] ?? c).join(' ');
  return `not installed: ${absent.join(', ')} (apt-get install --no-install-recommends ${pkgs}; .ci/run does this)`;
}

/** The path of `cmd`, or a clear error naming the Debian package to install. */
export function requireProgram(cmd: string): string {
  const found = which(cmd);
  if (found === null) throw new Error(missing(cmd) ?? `${cmd} not found`);
  return found;
}

/** Runs a program to completion and collects its output; never rejects on a non-zero exit. */
export function runProgram(
  cmd: string,
  args: string[],
  opts: RunOptions = {},
): Promise<ProgramResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: signal
          ? `${stderr}\n[${cmd} killed by ${signal} after ${timeoutMs} ms or on request]`
          : stderr,
      });
    });
    // A program that exits without reading its stdin makes the write fail with EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs util-linux `logger` (bsdutils on Debian) with `args`, e.g. `['-n', '127.0.0.1', ...]`. */
export function runLogger(
  args: string[],
  stdin?: string,
  opts: RunOptions = {},
): Promise<ProgramResult> {
  const logger = requireProgram('logger');
  return runProgram(logger, args, { ...opts, ...(stdin === undefined ? {} : { input: stdin }) });
}

/** A port that was free a moment ago on 127.0.0.1 (the OS picks it). */
export async function freePort(protocol: 'tcp' | 'udp'): Promise<number> {
  if (protocol === 'udp') {
    const sock = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(0, '127.0.0.1', () => resolve());
    });
    const { port } = sock.address();
    await new Promise<void>((resolve) => sock.close(() => resolve()));
    return port;
  }
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (addr === null || typeof addr === 'string') throw new Error('no TCP address');
  return addr.port;
}

/** The inodes of the sockets process `pid` holds open, from /proc/<pid>/fd. */
async function socketInodes(pid: number): Promise<Set<string>> {
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => []);
  const links = await Promise.all(
    fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')),
  );
  return new Set(
    links.map((l) => /^socket:\[(\d+)\]$/.exec(l)?.[1]).filter((i) => i !== undefined),
  );
}

/**
 * True when a socket bound to 127.0.0.1:`port` (TCP: listening) exists, and, given
 * `pid`, belongs to that process. Read from /proc/net, so it also works for UDP, where
 * no probe packet could tell.
 */
export async function isListening(
  protocol: 'tcp' | 'udp',
  port: number,
  pid?: number,
): Promise<boolean> {
  const table = await readFile(`/proc/net/${protocol}`, 'utf8');
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const owned = pid === undefined ? null : await socketInodes(pid);
  return table
    .split('\n')
    .slice(1)
    .some((line) => {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const cols = line.trim().split(/\s+/);
      const [, local, , state] = cols;
      const inode = cols[9];
      if (local !== `0100007F:${hexPort}` && local !== `00000000:${hexPort}`) return false;
      if (protocol === 'tcp' && state !== '0A') return false; // 0A = TCP_LISTEN
      return owned === null || (inode !== undefined && owned.has(inode));
    });
}

export interface RsyslogOptions {
  /** Where omfwd sends every line rsyslog receives. */
  target: { host: string; port: number };
  protocol: 'tcp' | 'udp';
  /** RFC 6587: octet counting (`LEN SP MSG`) or a trailing LF. Ignored for UDP. */
  framing: 'octet-counted' | 'traditional';
  /** rfc5424 = RSYSLOG_SyslogProtocol23Format (default); rfc3164 = RSYSLOG_TraditionalForwardFormat. */
  format?: 'rfc5424' | 'rfc3164';
  /** How lines get into rsyslog (default udp), and on which 127.0.0.1 port (default: a free one). */
  input?: 'udp' | 'tcp';
  inputPort?: number;
  /** How long to wait for rsyslogd to listen; default 15 s. */
  startTimeoutMs?: number;
}

export interface Rsyslog {
  /** The imudp/imtcp port on 127.0.0.1; inject lines with `runLogger(['-n', '127.0.0.1', '-P', ...])`. */
  inputPort: number;
  input: 'udp' | 'tcp';
  pid: number;
  /** The private config, for error messages. */
  config: string;
  /** rsyslogd's own stderr plus its internal messages, for error messages. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

const TEMPLATES = {
  rfc5424: 'RSYSLOG_SyslogProtocol23Format',
  rfc3164: 'RSYSLOG_TraditionalForwardFormat',
} as const;

function rsyslogConfig(
  dir: string,
  o: RsyslogOptions,
  input: 'udp' | 'tcp',
  inputPort: number,
): string {
  const fwd = [
    `type="omfwd"`,
    `target="${o.target.host}"`,
    `port="${o.target.port}"`,
    `protocol="${o.protocol}"`,
    `template="${TEMPLATES[o.format ?? 'rfc5424']}"`,
    ...(o.protocol === 'tcp' ? [`TCP_Framing="${o.framing}"`] : []),
  ].join(' ');
  // Inputs are bound to their own ruleset so rsyslog's internal messages (start-up,
  // errors), which go to the default ruleset, are written to a file and never forwarded.
  return [
    `global(workDirectory="${dir}/work" maxMessageSize="64k")`,
    `module(load="im${input}")`,
    `input(type="im${input}" address="127.0.0.1" port="${inputPort}" ruleset="forward")`,
    `ruleset(name="forward") {`,
    `  action(${fwd})`,
    `}`,
    `action(type="omfile" file="${dir}/internal.log")`,
    '',
  ].join('\n');
}

/**
 * Starts `rsyslogd -n -f <private conf> -i <pidfile>` that forwards every line it
 * receives on `inputPort` to `target`, and resolves once it listens. Throws when
 * rsyslogd is missing or does not come up (with its log).
 */
export async function startRsyslog(opts: RsyslogOptions): Promise<Rsyslog> {
  const rsyslogd = requireProgram('rsyslogd');
  const input = opts.input ?? 'udp';
  const inputPort = opts.inputPort ?? (await freePort(input));
  const dir = await mkdtemp(path.join(tmpdir(), 'logharbor-rsyslog-'));
  await mkdir(path.join(dir, 'work'));
  const config = rsyslogConfig(dir, opts, input, inputPort);
  const confFile = path.join(dir, 'rsyslog.conf');
  await writeFile(confFile, config);

  const logFile = path.join(dir, 'rsyslogd.log');
  const fd = openSync(logFile, 'a');
  const child = spawn(rsyslogd, ['-n', '-f', confFile, '-i', path.join(dir, 'rsyslogd.pid')], {
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  let exited: string | null = null;
  const exitPromise = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = `exited with ${signal ?? `code ${code}`}`;
      resolve();
    });
    child.on('error', (e) => {
      exited = `could not start: ${e.message}`;
      resolve();
    });
  });
  // Do not leave a daemon behind when the test worker ends without calling stop().
  const onExit = (): void => void child.kill('SIGKILL');
  process.once('exit', onExit);

  const log = async (): Promise<string> => {
    const parts = await Promise.all(
      [logFile, path.join(dir, 'internal.log')].map((f) => readFile(f, 'utf8').catch(() => '')),
    );
    return parts.join('');
  };
  const stop = async (): Promise<void> => {
    process.removeListener('exit', onExit);
    if (exited === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exitPromise;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 15_000);
  while (!(await isListening(input, inputPort, child.pid))) {
    if (exited !== null || Date.now() > deadline) {
      const why = exited ?? 'did not listen in time';
      const text = await log();
      await stop();
      throw new Error(
        `rsyslogd ${why} (input ${input} 127.0.0.1:${inputPort})\n${config}\n${text}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { inputPort, input, pid: child.pid ?? -1, config, log, stop };
}

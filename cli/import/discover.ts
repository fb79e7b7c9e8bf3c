/**
 * Which Docker log files to import, and whose they are. Docker keeps, per container,
 *
 *   <data root>/containers/<id>/config.v2.json     ID, Name "/web", Config.Labels, Config.Env,
 *                                                  Config.Image, State.Running ...
 *                              hostconfig.json     LogConfig.Type and its options
 *                              <id>-json.log       json-file: the file being written,
 *                              <id>-json.log.1     then the rotated ones, newest first
 *                              <id>-json.log.2.gz  (gzipped with the `compress` option)
 *                              local-logs/container.log, .1.gz, ...   the `local` driver
 *                              container-cached.log                   dual logging's cache
 *
 * (moby container/container.go, daemon/logger/loggerutils/logfile.go: on rotation `.N`
 * becomes `.N+1`, the file being written becomes `.1`, and with `compress` a goroutine
 * writes `.1.gz` and then deletes `.1`, so for a moment both exist; the plain one is
 * whole and is the one read). Dual logging's cache holds what a remote driver (fluentd,
 * syslog) already sent, so it is left out unless named.
 *
 * A path given may be a data root, a `containers` folder, a container folder, or log
 * files (a copy too: its container is its config.v2.json beside it, else the 64-hex id in
 * its name or folder).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LogFormat } from './lines.js';

export interface ContainerInfo {
  id: string;
  /** Docker's name with its slash, `/web`; null without config.v2.json. */
  name: string | null;
  labels: Record<string, string>;
  /** Config.Env, `NAME=value`. */
  env: string[];
  image: string | null;
  /** Whether it may still write: null when not known (no config.v2.json). */
  running: boolean | null;
  /** hostconfig.json's LogConfig.Type. */
  driver: string | null;
}

export interface LogFile {
  path: string;
  format: LogFormat;
  /** 0 for the file being written, N for `.N` and `.N.gz`. */
  rotation: number;
  gzip: boolean;
  /** Bytes on disk. */
  size: number;
  /** Bytes of text: the size, or a gzip member's ISIZE (its last four bytes, mod 2^32). */
  estimate: number;
}

/** One container's files of one format, oldest first. */
export interface LogSet {
  container: ContainerInfo;
  format: LogFormat;
  files: LogFile[];
}

const HEX64 = /^[0-9a-f]{64}$/;
const JSON_LOG = /^([0-9a-f]{64})-json\.log(?:\.(\d+))?(\.gz)?$/;
const LOCAL_LOG = /^container\.log(?:\.(\d+))?(\.gz)?$/;
const CACHED_LOG = /^container-cached\.log(?:\.(\d+))?(\.gz)?$/;
const ROTATION = /\.(\d+)(\.gz)?$/;

export const DEFAULT_CONTAINERS_DIR = '/var/lib/docker/containers';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** A container's config.v2.json (and hostconfig.json), or null when there is none. */
export async function readContainer(dir: string): Promise<ContainerInfo | null> {
  let cfg: unknown;
  try {
    cfg = JSON.parse(await readFile(path.join(dir, 'config.v2.json'), 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`${path.join(dir, 'config.v2.json')}: ${(e as Error).message}`, { cause: e });
  }
  if (!isObject(cfg) || typeof cfg.ID !== 'string')
    throw new Error(`${path.join(dir, 'config.v2.json')}: not a Docker container config`);
  const config = isObject(cfg.Config) ? cfg.Config : {};
  const state = isObject(cfg.State) ? cfg.State : {};
  const labels: Record<string, string> = {};
  if (isObject(config.Labels))
    for (const [k, v] of Object.entries(config.Labels)) if (typeof v === 'string') labels[k] = v;
  let driver: string | null = null;
  try {
    const host: unknown = JSON.parse(await readFile(path.join(dir, 'hostconfig.json'), 'utf8'));
    if (isObject(host) && isObject(host.LogConfig) && typeof host.LogConfig.Type === 'string')
      driver = host.LogConfig.Type;
  } catch {
    // Only shown in --dry-run: a missing or odd hostconfig.json changes nothing imported.
  }
  return {
    id: cfg.ID,
    name: typeof cfg.Name === 'string' && cfg.Name !== '' ? cfg.Name : null,
    labels,
    env: Array.isArray(config.Env) ? config.Env.filter((e) => typeof e === 'string') : [],
    image: typeof config.Image === 'string' ? config.Image : null,
    running: state.Running === true || state.Restarting === true || state.Paused === true,
    driver,
  };
}

function gzipEstimate(file: string, size: number): number {
  if (size < 18) return 0;
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(4);
    readSync(fd, b, 0, 4, size - 4);
    return b.readUInt32LE(0);
  } finally {
    closeSync(fd);
  }
}

/** The first bytes of a file, decompressed if it is gzip: to tell json-file from local. */
function sniffFormat(file: string): LogFormat | null {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(4);
    const n = readSync(fd, b, 0, 4, 0);
    if (n >= 2 && b[0] === 0x1f && b[1] === 0x8b) return null; // decided by the name
    if (n >= 1 && b[0] === 0x7b) return 'json-file';
    if (n === 4 && b.readUInt32BE(0) <= 1_000_000) return 'local';
    return n === 0 ? 'json-file' : null;
  } finally {
    closeSync(fd);
  }
}

async function logFile(
  file: string,
  format: LogFormat,
  rotation: number,
  gzip: boolean,
): Promise<LogFile> {
  const size = (await stat(file)).size;
  return {
    path: file,
    format,
    rotation,
    gzip,
    size,
    estimate: gzip ? gzipEstimate(file, size) : size,
  };
}

/** The log files in a container folder, by format. */
async function containerFiles(dir: string, withCache: boolean): Promise<LogFile[]> {
  const out: LogFile[] = [];
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const n of names) {
    const m = JSON_LOG.exec(n);
    if (m) out.push(await logFile(path.join(dir, n), 'json-file', Number(m[2] ?? 0), !!m[3]));
    const c = withCache ? CACHED_LOG.exec(n) : null;
    if (c) out.push(await logFile(path.join(dir, n), 'local', Number(c[1] ?? 0), !!c[2]));
  }
  const localDir = path.join(dir, 'local-logs');
  for (const n of await readdir(localDir).catch(() => [] as string[])) {
    const m = LOCAL_LOG.exec(n);
    if (m) out.push(await logFile(path.join(localDir, n), 'local', Number(m[1] ?? 0), !!m[2]));
  }
  return out;
}

/**
 * Groups files into sets, oldest first, one file per rotation number: `.N` beside `.N.gz`
 * (compression under way) is the plain one; two copies of one container's log named on
 * the command line are one file (the first named).
 */
function group(container: ContainerInfo, files: LogFile[], into: Map<string, LogSet>): void {
  for (const f of files) {
    const key = `${container.id} ${f.format}`;
    let set = into.get(key);
    if (!set) into.set(key, (set = { container, format: f.format, files: [] }));
    const twin = set.files.findIndex((x) => x.rotation === f.rotation);
    if (twin < 0) set.files.push(f);
    else if (set.files[twin]!.gzip && !f.gzip) set.files[twin] = f;
  }
  for (const set of into.values()) set.files.sort((a, b) => b.rotation - a.rotation);
}

const unknownContainer = (id: string): ContainerInfo => ({
  id,
  name: null,
  labels: {},
  env: [],
  image: null,
  running: null,
  driver: null,
});

export interface Discovered {
  sets: LogSet[];
  /** Paths given that hold no log file, and files whose container cannot be told. */
  problems: string[];
}

export async function discover(paths: string[]): Promise<Discovered> {
  const sets = new Map<string, LogSet>();
  const problems: string[] = [];
  /** The container's config, or null (reported when it exists but cannot be read). */
  const config = (dir: string): Promise<ContainerInfo | null> =>
    readContainer(dir).catch((e: Error) => {
      problems.push(`${e.message}: its logs are imported without name and labels`);
      return null;
    });
  const containerDir = async (dir: string, withCache: boolean): Promise<boolean> => {
    const info = await config(dir);
    const id = info?.id ?? (HEX64.test(path.basename(dir)) ? path.basename(dir) : null);
    if (id === null) return false;
    const files = await containerFiles(dir, withCache);
    group(info ?? unknownContainer(id), files, sets);
    return true;
  };
  for (const given of paths) {
    let p: string;
    try {
      p = await realpath(given);
    } catch (e) {
      problems.push(`${given}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      continue;
    }
    const st = await stat(p);
    if (st.isDirectory()) {
      if (await exists(path.join(p, 'config.v2.json'))) {
        await containerDir(p, false);
        continue;
      }
      const root = (await exists(path.join(p, 'containers'))) ? path.join(p, 'containers') : p;
      let found = false;
      for (const n of (await readdir(root)).sort()) {
        const sub = path.join(root, n);
        if ((await stat(sub).catch(() => null))?.isDirectory() && (await containerDir(sub, false)))
          found = true;
      }
      if (!found) problems.push(`${given}: no Docker container folders in it`);
      continue;
    }
    // A log file named on the command line.
    let dir = path.dirname(p);
    if (path.basename(dir) === 'local-logs') dir = path.dirname(dir);
    const info = await config(dir);
    const name = path.basename(p);
    const id =
      info?.id ??
      JSON_LOG.exec(name)?.[1] ??
      (HEX64.test(path.basename(dir)) ? path.basename(dir) : null);
    if (id === null) {
      problems.push(
        `${given}: cannot tell which container wrote it (put its config.v2.json beside it, or name it <container id>-json.log)`,
      );
      continue;
    }
    const rot = ROTATION.exec(name);
    const gzip = name.endsWith('.gz');
    const format: LogFormat | null = JSON_LOG.test(name)
      ? 'json-file'
      : LOCAL_LOG.test(name) || CACHED_LOG.test(name)
        ? 'local'
        : sniffFormat(p);
    if (format === null) {
      problems.push(`${given}: neither a json-file nor a local-driver log`);
      continue;
    }
    group(
      info ?? unknownContainer(id),
      [await logFile(p, format, Number(rot?.[1] ?? 0), gzip)],
      sets,
    );
  }
  const list = [...sets.values()].filter((s) => s.files.length > 0);
  list.sort(
    (a, b) =>
      (a.container.name ?? '\uffff').localeCompare(b.container.name ?? '\uffff') ||
      a.container.id.localeCompare(b.container.id) ||
      a.format.localeCompare(b.format),
  );
  return { sets: list, problems };
}

/** Whether `set`'s file `i` can still grow: the newest one of a container that may still write. */
export function mayGrow(set: LogSet, i: number): boolean {
  return (
    set.files[i]!.rotation === 0 && i === set.files.length - 1 && set.container.running !== false
  );
}

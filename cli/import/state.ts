/**
 * Where an import stands, per log file, kept between runs so an interrupted import
 * resumes and a finished one sends nothing again: `$XDG_STATE_HOME/logharbor/import.json`
 * (`~/.local/state/...` by default; `--state`). A file is known by its identity (its
 * container and a hash of its first entry: the same after Docker renames `-json.log` to
 * `.1` or gzips it to `.1.gz`, and for a copy) and, as another logharbor is another
 * destination, by the forward address:
 *
 *   { "version": 1, "files": { "127.0.0.1:24224 <container id> <identity>":
 *       { "offset": 1048576, "open": {}, "complete": false, "path": "...", "at": "..." } } }
 *
 * `offset` is the end of the last request logharbor acked (always an entry boundary) and
 * `open` the lines begun and not ended there (lines.ts), so a resumed run ends its
 * requests where an uninterrupted one would and they carry the same chunk ids. The file
 * is written whole to a temporary file, fsynced and renamed over the old one, at most
 * every second while importing and at the end: what was acked after the last write is
 * sent again and stored once (its chunk ids). A lock file keeps two imports apart.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { OpenLines } from './lines.js';

export interface FileState {
  offset: number;
  open: OpenLines;
  /** A rotated file read to its end: it cannot grow any more. */
  complete: boolean;
  /** Where it was last read (for people reading the state file). */
  path: string;
  at: string;
}

interface StateDoc {
  version: 1;
  files: Record<string, FileState>;
}

export function defaultStatePath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_STATE_HOME || path.join(homedir(), '.local', 'state');
  return path.join(base, 'logharbor', 'import.json');
}

export function stateKey(target: string, containerId: string, identity: string): string {
  return `${target} ${containerId} ${identity}`;
}

function isFileState(v: unknown): v is FileState {
  const f = v as FileState;
  return (
    typeof f === 'object' &&
    f !== null &&
    Number.isSafeInteger(f.offset) &&
    f.offset >= 0 &&
    typeof f.open === 'object' &&
    f.open !== null
  );
}

export class ImportState {
  private doc: StateDoc = { version: 1, files: {} };
  private dirty = false;
  private lockFd: number | null = null;

  /** `file` null: nothing is read or written (`--no-state`). */
  constructor(readonly file: string | null) {}

  /** Takes the lock and reads the file (a missing file is an empty state). */
  open(): void {
    if (this.file === null) return;
    mkdirSync(path.dirname(this.file), { recursive: true });
    this.lock(`${this.file}.lock`);
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw new Error(`${this.file}: not JSON; move it away to start over`);
    }
    const doc = v as StateDoc;
    if (doc?.version !== 1 || typeof doc.files !== 'object' || doc.files === null)
      throw new Error(`${this.file}: not an import state (version 1); move it away to start over`);
    for (const [k, f] of Object.entries(doc.files)) if (isFileState(f)) this.doc.files[k] = f;
  }

  private lock(lockFile: string): void {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        this.lockFd = openSync(lockFile, 'wx');
        writeSync(this.lockFd, `${process.pid}\n`);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const pid = Number(readFileSync(lockFile, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && alive(pid))
        throw new Error(`another import (pid ${pid}) is using ${this.file}`);
      rmSync(lockFile, { force: true }); // left by an import that was killed
    }
    throw new Error(`cannot lock ${lockFile}`);
  }

  get(key: string): FileState | null {
    return this.doc.files[key] ?? null;
  }

  set(key: string, f: Omit<FileState, 'at'>): void {
    this.doc.files[key] = { ...f, at: new Date().toISOString() };
    this.dirty = true;
  }

  /** Writes the state if it changed: a temporary file, fsync, rename. */
  save(): void {
    if (this.file === null || !this.dirty) return;
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(this.doc, null, 1)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    this.dirty = false;
  }

  close(): void {
    this.save();
    if (this.lockFd !== null) {
      closeSync(this.lockFd);
      this.lockFd = null;
      rmSync(`${this.file}.lock`, { force: true });
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

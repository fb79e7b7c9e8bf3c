/**
 * A log file's bytes (gunzipped for `.gz`), from an offset of its text, and its identity.
 *
 * The identity names a file whatever Docker renames it to (`-json.log` becomes `.1`, then
 * `.1.gz`, then `.2.gz`): a hash of its container id and its first entry. Every entry
 * holds a nanosecond time, so no two files of a container start with the same one. A
 * file whose first entry is not whole yet has none: there is nothing in it to import.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { LogFile } from './discover.js';
import { MAX_JSON_LINE_BYTES } from './json-file.js';
import { MAX_LOCAL_ENTRY_BYTES } from './local-file.js';

const READ_CHUNK = 1 << 20;

/** The file's text from byte `from` on, in chunks. */
export async function* readFrom(file: LogFile, from: number): AsyncGenerator<Buffer> {
  if (!file.gzip) {
    yield* createReadStream(file.path, {
      start: from,
      highWaterMark: READ_CHUNK,
    }) as AsyncIterable<Buffer>;
    return;
  }
  // gzip cannot seek: what was imported before is decompressed and dropped.
  let skip = from;
  const text = createReadStream(file.path, { highWaterMark: READ_CHUNK }).pipe(
    createGunzip({ chunkSize: 256 * 1024 }),
  );
  for await (const chunk of text as AsyncIterable<Buffer>) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    yield skip > 0 ? chunk.subarray(skip) : chunk;
    skip = 0;
  }
}

/** The bytes of the file's first entry, or null when it has no whole entry yet. */
async function firstEntry(file: LogFile): Promise<Buffer | null> {
  const parts: Buffer[] = [];
  let len = 0;
  const it = readFrom(file, 0);
  try {
    for await (const chunk of it) {
      parts.push(chunk);
      len += chunk.length;
      const b = parts.length === 1 ? chunk : Buffer.concat(parts);
      if (file.format === 'json-file') {
        const nl = b.indexOf(0x0a);
        if (nl >= 0) return Buffer.from(b.subarray(0, nl + 1));
        if (len > MAX_JSON_LINE_BYTES) return Buffer.from(b.subarray(0, MAX_JSON_LINE_BYTES));
      } else if (b.length >= 4) {
        const size = Math.min(b.readUInt32BE(0), MAX_LOCAL_ENTRY_BYTES);
        if (b.length >= size + 8) return Buffer.from(b.subarray(0, size + 8));
      }
    }
  } catch (e) {
    // A gzip file still being written by Docker ends early: what came first is enough.
    if (!file.gzip) throw e;
  } finally {
    await it.return(undefined);
  }
  return null;
}

export async function identityOf(file: LogFile, containerId: string): Promise<string | null> {
  const first = await firstEntry(file);
  if (first === null) return null;
  return createHash('sha256')
    .update(`${containerId}\n${file.format}\n`)
    .update(first)
    .digest('hex')
    .slice(0, 32);
}

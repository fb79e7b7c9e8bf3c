/**
 * Decodes short UTF-8 strings through a small direct-mapped cache.
 *
 * Making a JS string from bytes costs a native call (~100 ns on the 2-core target), and a
 * Docker record is mostly strings that repeat from one event to the next: the keys, and
 * container_id, container_name, source and the labels. A hit costs a byte comparison in
 * JS instead. The cache maps (length, a few sampled bytes) to one slot holding the bytes
 * and the string; every hit compares all bytes, so a collision only costs a miss. Memory is
 * fixed: SLOTS * MAX_CACHED bytes of arena plus the strings.
 */

export const MAX_CACHED = 64;
const SLOTS = 4096;

const arena = new Uint8Array(SLOTS * MAX_CACHED);
const lengths = new Int32Array(SLOTS).fill(-1);
const strings: string[] = new Array<string>(SLOTS).fill('');

interface FastSlices {
  utf8Slice(start: number, end: number): string;
}

function hasUtf8Slice(b: Buffer): b is Buffer & FastSlices {
  return typeof (b as Partial<FastSlices>).utf8Slice === 'function';
}

/**
 * `buf.toString('utf8', start, end)`, minus the argument handling: Node's own utf8Slice
 * (Buffer.prototype's, what toString ends up calling) when it is there.
 */
export function utf8(buf: Buffer, start: number, end: number): string {
  return hasUtf8Slice(buf) ? buf.utf8Slice(start, end) : buf.toString('utf8', start, end);
}

/** The string of bytes [start, start + len), cached when len <= MAX_CACHED. */
export function cachedUtf8(buf: Buffer, start: number, len: number): string {
  if (len === 0) return '';
  if (len > MAX_CACHED) return utf8(buf, start, start + len);
  const slot =
    (len * 31 + buf[start]! * 7 + buf[start + (len >> 1)]! * 131 + buf[start + len - 1]! * 1031) &
    (SLOTS - 1);
  const base = slot * MAX_CACHED;
  if (lengths[slot] === len) {
    let i = 0;
    while (i < len && arena[base + i] === buf[start + i]) i++;
    if (i === len) return strings[slot]!;
  }
  const str = utf8(buf, start, start + len);
  buf.copy(arena, base, start, start + len);
  lengths[slot] = len;
  strings[slot] = str;
  return str;
}

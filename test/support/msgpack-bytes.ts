/**
 * Building msgpack test inputs byte by byte where msgpackr would choose for us (str vs bin,
 * fixext8 vs ext8, invalid UTF-8 inside a str), and msgpackr for the ordinary values.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Packr } from 'msgpackr';
import type { DecodeLimits } from '../../collector/forward/types.js';
import { FIXTURES_DIR } from '../../dev/fixtures.js';

const packr = new Packr({ useRecords: false, variableMapSize: true });

/** msgpackr's encoding of an ordinary value. */
export const pack = (v: unknown): Buffer => packr.pack(v);

export const cat = (...parts: (Buffer | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));

function withLength(
  fix: number | null,
  fixMax: number,
  codes: [number, number, number] | [number, number],
  n: number,
): Buffer {
  if (fix !== null && n <= fixMax) return Buffer.from([fix | n]);
  const [c8, c16, c32] = codes.length === 3 ? codes : [null, ...codes];
  if (c8 !== null && n < 0x100) return Buffer.from([c8, n]);
  if (n < 0x10000) return Buffer.from([c16!, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = c32!;
  b.writeUInt32BE(n, 1);
  return b;
}

export const arr = (n: number): Buffer => withLength(0x90, 15, [0xdc, 0xdd], n);
export const map = (n: number): Buffer => withLength(0x80, 15, [0xde, 0xdf], n);

/** A str holding exactly these bytes (valid UTF-8 or not). */
export function str(bytes: Buffer | string): Buffer {
  const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  return cat(withLength(0xa0, 31, [0xd9, 0xda, 0xdb], b.length), b);
}

export function bin(bytes: Buffer | string): Buffer {
  const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  return cat(withLength(null, -1, [0xc4, 0xc5, 0xc6], b.length), b);
}

function timeBody(sec: number, nsec: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(sec >>> 0, 0);
  b.writeUInt32BE(nsec >>> 0, 4);
  return b;
}

/** EventTime as fixext8 (d7 00 ...): Docker, Fluent Bit. */
export const fixext8Time = (sec: number, nsec: number): Buffer =>
  cat([0xd7, 0x00], timeBody(sec, nsec));
/** EventTime as ext8 with length 8 (c7 08 00 ...): also allowed by the spec. */
export const ext8Time = (sec: number, nsec: number): Buffer =>
  cat([0xc7, 0x08, 0x00], timeBody(sec, nsec));

/** A map of string keys to already-encoded values, in order. */
export function mapOf(entries: [string, Buffer][]): Buffer {
  return cat(map(entries.length), ...entries.flatMap(([k, v]) => [str(k), v]));
}

export const limits: DecodeLimits = {
  maxDecompressedBytes: 1 << 20,
  maxDepth: 64,
  now: () => 1_700_000_000_123,
};

export const NOW_SEC = 1_700_000_000;
export const NOW_NANO = 123_000_000;

/** shared/ sits beside the repository (as in CI's clone). */
export const FIXTURES = path.join(FIXTURES_DIR, 'docker-20.10');
export const fixture = (name: string): Buffer => readFileSync(`${FIXTURES}/${name}`);

/**
 * Whether bytes can begin a forward request (Forward Protocol v1, "Protocol"): a
 * Message, Forward, PackedForward or CompressedPackedForward request is an array of 2 to
 * 4 elements whose first is the tag (a string), a PING of the handshake an array of 6,
 * and a TCP heartbeat is nil. Without this, bytes that are not the protocol at all (a TLS
 * ClientHello, an HTTP request, a port scanner) were read as msgpack and reported as
 * whatever they happened to declare, e.g. "request exceeds 16777216 bytes" for a str32
 * header. The same shapes as decode.ts accepts, so nothing it would take is refused here.
 */
import { ForwardDecodeError } from './errors.js';

export type StartVerdict = 'ok' | 'more' | 'bad';

/** Bytes shown in the error. */
export const SHOWN_BYTES = 16;

const isTag = (b: number) =>
  (b >= 0xa0 && b <= 0xbf) || (b >= 0xd9 && b <= 0xdb) || (b >= 0xc4 && b <= 0xc6);
const isCount = (n: number) => n === 2 || n === 3 || n === 4 || n === 6;

/** `buf[start]` is a request's first byte; `end` is where the bytes at hand end. */
export function requestStart(buf: Uint8Array, start: number, end: number): StartVerdict {
  if (start >= end) return 'more';
  const b = buf[start]!;
  if (b === 0xc0) return 'ok';
  let header: number;
  let count: number;
  if (b >= 0x90 && b <= 0x9f) {
    header = 1;
    count = b & 0x0f;
  } else if (b === 0xdc || b === 0xdd) {
    header = b === 0xdc ? 3 : 5;
    if (end - start < header) return 'more';
    count = 0;
    for (let i = 1; i < header; i++) count = count * 256 + buf[start + i]!;
  } else return 'bad';
  if (!isCount(count)) return 'bad';
  if (end - start <= header) return 'more';
  return isTag(buf[start + header]!) ? 'ok' : 'bad';
}

const HTTP = /^(GET|POST|PUT|HEAD|DELETE|OPTIONS|PATCH|CONNECT|TRACE|PRI) /;

/** A guess at what was sent instead, from the first bytes; '' when none. */
export function whatItLooksLike(first: Uint8Array): string {
  if (first[0] === 0x16 && first[1] === 0x03) return ' (a TLS ClientHello? this port is plain TCP)';
  const text = Buffer.from(first).toString('latin1');
  if (HTTP.test(text)) return ' (an HTTP request? the API listens on LOGHARBOR_HTTP_ADDR)';
  if (/^<\d{1,3}>/.test(text)) return ' (a syslog message? it goes to the syslog listeners)';
  return '';
}

/** Fatal: the stream is not the forward protocol; `first` are its first bytes (up to 16). */
export function notForwardRequest(first: Uint8Array): ForwardDecodeError {
  const hex = [...first.subarray(0, SHOWN_BYTES)].map((x) => x.toString(16).padStart(2, '0'));
  return new ForwardDecodeError(
    `not a forward request: first bytes ${hex.join(' ')}${whatItLooksLike(first)}`,
    true,
  );
}

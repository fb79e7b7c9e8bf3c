/**
 * MSG bytes to text (RFC 5424 section 6.4): a leading UTF-8 BOM marks the text as UTF-8
 * and is not part of it; invalid UTF-8 becomes U+FFFD (what TextDecoder does, and what
 * Buffer#toString does for 'utf8'). NUL and other control bytes are left for the
 * normalizer, which cleans them for PostgreSQL.
 */

/** [text, bytes] of buf[pos, end) without a leading BOM; bytes is a view, not a copy. */
export function readMessage(buf: Buffer, pos: number, end: number): [string, Buffer] {
  let start = pos;
  if (
    buf[start] === 0xef &&
    buf[start + 1] === 0xbb &&
    buf[start + 2] === 0xbf &&
    start + 3 <= end
  ) {
    start += 3;
  }
  return [buf.toString('utf8', start, end), buf.subarray(start, end)];
}

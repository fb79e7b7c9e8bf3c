/**
 * Bytes that are not the forward protocol on the forward port (issue 18): 5,000 random
 * bytes, a TLS ClientHello, an HTTP request. The connection is closed and the log says
 * what came, with its first 16 bytes, instead of "request exceeds 16777216 bytes".
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog, type CapturedLog } from '../api/captured-log.js';
import { rawClient } from '../../support/raw-client.js';
import { startHarness, type Harness } from '../../support/harness.js';

const TLS_HELLO = Buffer.from(
  '16030100f4010000f00303' + 'ab'.repeat(32) + '20' + 'cd'.repeat(32) + '000813021303130100ff0100',
  'hex',
);

describe('the forward port given something else', () => {
  let h: Harness;
  let cap: CapturedLog;
  beforeAll(async () => {
    cap = captureLog('info');
    h = await startHarness({}, cap.log);
  });
  afterAll(async () => h.close());

  const reasonFor = async (bytes: Buffer) => {
    const before = cap.entries().length;
    const c = await rawClient(h.forwardPort);
    await c.write(bytes);
    await c.closed;
    const entry = cap
      .entries()
      .slice(before)
      .find((e) => e.msg === 'closing forward connection');
    return String(entry?.reason);
  };

  it('5,000 random bytes', async () => {
    // Not JSON's [ or {, and not a msgpack array header (fixarray 0x90-0x9f, array16/32):
    // random bytes after one can be a well-formed forward request (a 2-array of a str tag
    // and a str is PackedForward), and the error is then about its entries, further on.
    // nil (0xc0) is skipped between requests: the error would be about the bytes after it.
    const arrayStart = (b: number) =>
      (b >= 0x90 && b <= 0x9f) || b === 0xdc || b === 0xdd || b === 0xc0;
    let junk = randomBytes(5000);
    while (junk[0] === 0x7b || junk[0] === 0x5b || arrayStart(junk[0]!)) junk = randomBytes(5000);
    const hex = [...junk.subarray(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const reason = await reasonFor(junk);
    expect(reason).toContain(`not a forward request: first bytes ${hex}`);
    expect(reason).not.toContain('exceeds');
  });

  it('a TLS ClientHello', async () => {
    expect(await reasonFor(TLS_HELLO)).toMatch(
      /first bytes 16 03 01 00 f4 01 00 00 f0 03 03 ab ab ab ab ab \(a TLS ClientHello\?/,
    );
  });

  it('GET / HTTP/1.1', async () => {
    expect(await reasonFor(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))).toMatch(
      /first bytes 47 45 54 20 2f 20 48 54 54 50 2f 31 2e 31 0d 0a \(an HTTP request\?/,
    );
  });
});

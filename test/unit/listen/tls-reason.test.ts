/**
 * The verify-code table says what OpenSSL says: for certificates that fail in known ways,
 * `openssl verify` (the installed OpenSSL) prints the same text the table gives for
 * Node's code. Unknown codes pass through; handshake errors keep OpenSSL's reason.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { handshakeErrorReason, verifyReason } from '../../../collector/listen/tls-reason.js';
import { makeCa, pkiDir } from '../../support/tls-pki.js';

/** The reason `openssl verify` gives for `certFile` against `caFile`. */
function opensslVerify(caFile: string, certFile: string): string {
  try {
    execFileSync('openssl', ['verify', '-CAfile', caFile, certFile], { stdio: 'pipe' });
    return 'ok';
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: Buffer; stderr?: Buffer };
    const out = `${String(stdout ?? '')}${String(stderr ?? '')}`;
    const m = /error \d+ at \d+ depth lookup: (.+)/.exec(out);
    return m?.[1] ?? out;
  }
}

describe('verifyReason', () => {
  const dir = pkiDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ca = makeCa(dir, 'a');
  const other = makeCa(dir, 'b');
  const day = 86_400_000;

  it.each([
    {
      code: 'CERT_HAS_EXPIRED',
      cert: () =>
        ca.issue('expired', {
          usage: 'client',
          notBefore: new Date('2020-01-01'),
          notAfter: new Date('2020-01-02'),
        }).certFile,
      caFile: () => ca.certFile,
    },
    {
      code: 'CERT_NOT_YET_VALID',
      cert: () =>
        ca.issue('future', {
          usage: 'client',
          notBefore: new Date(Date.now() + 10 * day),
          notAfter: new Date(Date.now() + 20 * day),
        }).certFile,
      caFile: () => ca.certFile,
    },
    {
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      cert: () => other.certFile,
      caFile: () => ca.certFile,
    },
    {
      code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      cert: () => other.issue('foreign', { usage: 'client' }).certFile,
      caFile: () => ca.certFile,
    },
  ])('$code reads as openssl verify says', ({ code, cert, caFile }) => {
    expect(verifyReason(code)).toBe(opensslVerify(caFile(), cert()));
  });

  it('passes an unknown code through', () => {
    expect(verifyReason('SOMETHING_NEW')).toBe('SOMETHING_NEW');
  });
});

describe('handshakeErrorReason', () => {
  it("prefers OpenSSL's reason over the long message, else the message", () => {
    const e = Object.assign(new Error('8000:error:0A000415:SSL routines:...:SSL alert number 45'), {
      reason: 'sslv3 alert certificate expired',
    });
    expect(handshakeErrorReason(e)).toBe('sslv3 alert certificate expired');
    expect(handshakeErrorReason(new Error('TLS handshake timeout'))).toBe('TLS handshake timeout');
  });
});

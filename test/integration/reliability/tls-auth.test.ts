/**
 * Issue 6, TLS client authentication on a running logharbor (RFC 5425 section 4.2 for
 * syslog; Fluentd's in_forward client_cert_auth for forward). With LOGHARBOR_TLS_CA_FILE
 * set, a client certificate signed by that CA is accepted (npm fluent-logger over forward
 * TLS, node tls over syslog TLS); no certificate, an expired one, and one signed by
 * another CA are each refused, nothing they sent is stored, and each refusal is one warn
 * line with LH_TLS_HANDSHAKE, the peer address and OpenSSL's reason. Separately, a client
 * that verifies the server (node tls, openssl s_client) refuses a logharbor whose own
 * certificate has expired.
 *
 * Certificates come from throwaway CAs made by openssl (test/support/tls-pki.ts).
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { arr, cat, pack, str } from '../../support/msgpack-bytes.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { makeCa, pkiDir, type CertFiles, type TestCa } from '../../support/tls-pki.js';
import { createFluentSender } from '../../support/fluent-logger.js';

type Line = Record<string, unknown>;

const PAST = {
  notBefore: new Date('2020-01-01T00:00:00Z'),
  notAfter: new Date('2020-01-02T00:00:00Z'),
};
const T = 1_764_300_000;

let dir: string;
let trusted: TestCa;
let other: TestCa;
beforeAll(() => {
  dir = pkiDir();
  trusted = makeCa(dir, 'trusted');
  other = makeCa(dir, 'other');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture(): { log: pino.Logger; lines: Line[] } {
  const lines: Line[] = [];
  return {
    lines,
    log: pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s) as Line) }),
  };
}

interface Attempt {
  /** The client finished its side of the handshake (TLS 1.3 does before the server checks). */
  secure: boolean;
  /** The client's own error, if it refused or was cut off. */
  error: string | null;
}

/** Connects with `client` (cert/key or none), sends `payload` once secure, waits for the close. */
function attempt(
  port: number,
  client: CertFiles | null,
  payload: Buffer,
  ca: Buffer,
): Promise<Attempt> {
  return new Promise((resolve) => {
    const result: Attempt = { secure: false, error: null };
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      ca,
      ...(client ? { cert: client.cert, key: client.key } : {}),
    });
    socket.on('secureConnect', () => {
      result.secure = true;
      socket.write(payload);
    });
    socket.on('error', (e: Error & { code?: string }) => (result.error = e.code ?? e.message));
    socket.on('data', () => undefined);
    socket.on('close', () => resolve(result));
  });
}

const forwardRequest = (tag: string) => cat(arr(3), str(tag), pack(T), pack({ log: 'refused?' }));
const syslogFrame = (app: string) => {
  const m = `<14>1 - h ${app} - - - refused?`;
  return Buffer.from(`${Buffer.byteLength(m)} ${m}`);
};

describe('client certificates, LOGHARBOR_TLS_CA_FILE set', () => {
  let h: Harness;
  let lines: Line[];
  let good: CertFiles;
  beforeAll(async () => {
    const server = trusted.issue('server', { usage: 'server' });
    good = trusted.issue('good-client', { usage: 'client' });
    const c = capture();
    lines = c.lines;
    h = await startHarness(
      {
        LOGHARBOR_TLS_CERT_FILE: server.certFile,
        LOGHARBOR_TLS_KEY_FILE: server.keyFile,
        LOGHARBOR_TLS_CA_FILE: trusted.certFile,
        LOGHARBOR_FORWARD_TLS_ADDR: '127.0.0.1:0',
        LOGHARBOR_SYSLOG_TLS_ADDR: '127.0.0.1:0',
        LOGHARBOR_IDLE_TIMEOUT: '1h',
      },
      c.log,
    );
  });
  afterAll(async () => h?.close());

  const handshakeLines = (listener: string) =>
    lines.filter((l) => l.code === 'LH_TLS_HANDSHAKE' && l.listener === listener);

  it('accepts fluent-logger with a certificate signed by the CA (forward TLS, acks)', async () => {
    const sender = createFluentSender('mtls', {
      host: '127.0.0.1',
      port: h.port('forward-tls'),
      tls: true,
      tlsOptions: { ca: trusted.cert, cert: good.cert, key: good.key },
      requireAckResponse: true,
      timeout: 5,
    });
    sender.on('error', () => undefined);
    await Promise.all(
      [0, 1, 2].map(
        (i) =>
          new Promise<void>((resolve, reject) =>
            sender.emit('fwd', { message: `mtls ${i}` }, (e) => (e ? reject(e) : resolve())),
          ),
      ),
    );
    sender.end();
    const rows = await h.waitForRows(3, `tag = 'mtls.fwd'`);
    expect(rows.map((r) => r.message)).toEqual(['mtls 0', 'mtls 1', 'mtls 2']);
    expect(handshakeLines('forward-tls')).toEqual([]);
  });

  it('accepts node tls with a certificate signed by the CA (syslog TLS, RFC 5425)', async () => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port: h.port('syslog-tls'),
      ca: trusted.cert,
      cert: good.cert,
      key: good.key,
    });
    await new Promise<void>((resolve, reject) =>
      socket.once('secureConnect', resolve).once('error', reject),
    );
    const m = '<14>1 - h mtlssys - - - over mutual TLS';
    socket.write(`${Buffer.byteLength(m)} ${m}`);
    const rows = await h.waitForRows(1, `app = 'mtlssys'`);
    expect(rows.map((r) => r.message)).toEqual(['over mutual TLS']);
    expect(socket.destroyed).toBe(false);
    socket.end();
    expect(handshakeLines('syslog-tls')).toEqual([]);
  });

  const refusals: {
    name: string;
    client: () => CertFiles | null;
    reason: string;
    verifyCode: string | undefined;
  }[] = [
    {
      name: 'no client certificate',
      client: () => null,
      reason: 'peer did not return a certificate',
      verifyCode: undefined,
    },
    {
      name: 'an expired client certificate',
      client: () => trusted.issue(`expired-${Math.random()}`, { usage: 'client', ...PAST }),
      reason: 'certificate has expired',
      verifyCode: 'CERT_HAS_EXPIRED',
    },
    {
      name: 'a client certificate signed by another CA',
      client: () => other.issue(`foreign-${Math.random()}`, { usage: 'client' }),
      reason: 'unable to verify the first certificate',
      verifyCode: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    },
  ];

  for (const r of refusals) {
    for (const listener of ['forward-tls', 'syslog-tls'] as const) {
      it(`refuses ${r.name} on ${listener}, with one LH_TLS_HANDSHAKE line`, async () => {
        const before = handshakeLines(listener).length;
        const mark = `refused${listener === 'forward-tls' ? 'fwd' : 'sys'}${r.verifyCode ?? 'none'}`;
        const payload = listener === 'forward-tls' ? forwardRequest(mark) : syslogFrame(mark);
        // With a valid certificate this connection would stay open for the idle hour.
        const res = await attempt(h.port(listener), r.client(), payload, trusted.cert);
        expect(res.error).not.toBe('CERT_HAS_EXPIRED'); // the server's certificate is fine

        const got = handshakeLines(listener).slice(before);
        expect(got).toHaveLength(1);
        expect(got[0]).toMatchObject({ level: 40, remote: '127.0.0.1', reason: r.reason });
        expect(got[0]!.verifyCode).toBe(r.verifyCode);
        expect(got[0]!.msg).toBe(`TLS handshake failed: ${r.reason}`);
        // Never key material: no PEM block of any kind in the line.
        expect(JSON.stringify(got[0])).not.toMatch(/BEGIN|PRIVATE/);
        const health = h.telemetry.listenerHealth().find((l) => l.listener === listener)!;
        expect(health.lastError).toBe(`LH_TLS_HANDSHAKE: ${r.reason} (127.0.0.1)`);
        expect(health.connections).toBe(0);
        const where = listener === 'forward-tls' ? `tag = '${mark}'` : `app = '${mark}'`;
        expect(await h.rows(where)).toHaveLength(0);
      });
    }
  }
});

describe('an expired server certificate', () => {
  let h: Harness;
  let lines: Line[];
  beforeAll(async () => {
    const server = trusted.issue('expired-server', { usage: 'server', ...PAST });
    const c = capture();
    lines = c.lines;
    h = await startHarness(
      {
        LOGHARBOR_TLS_CERT_FILE: server.certFile,
        LOGHARBOR_TLS_KEY_FILE: server.keyFile,
        LOGHARBOR_FORWARD_TLS_ADDR: '127.0.0.1:0',
        LOGHARBOR_SYSLOG_TLS_ADDR: '127.0.0.1:0',
      },
      c.log,
    );
  });
  afterAll(async () => h?.close());

  it('is refused by a client that verifies it, and logharbor says so at start', async () => {
    for (const listener of ['forward-tls', 'syslog-tls']) {
      const payload = listener === 'forward-tls' ? forwardRequest('expsrv') : syslogFrame('expsrv');
      const res = await attempt(h.port(listener), null, payload, trusted.cert);
      expect(res).toEqual({ secure: false, error: 'CERT_HAS_EXPIRED' });
      expect(
        lines.filter(
          (l) => l.listener === listener && /certificate has expired/.test(String(l.msg)),
        ),
      ).toHaveLength(1);
    }
    expect(await h.rows(`tag = 'expsrv' OR app = 'expsrv'`)).toHaveLength(0);
  });

  it("is refused by openssl s_client, whose alert logharbor logs with OpenSSL's reason", async () => {
    const port = h.port('syslog-tls');
    const out = await new Promise<{ code: number; text: string }>((resolve) => {
      const p = execFile(
        'openssl',
        [
          's_client',
          '-connect',
          `127.0.0.1:${port}`,
          '-CAfile',
          trusted.certFile,
          '-verify_return_error',
        ],
        (err, stdout, stderr) =>
          resolve({ code: typeof err?.code === 'number' ? err.code : 0, text: stdout + stderr }),
      );
      p.stdin!.end();
    });
    expect(out.code).not.toBe(0);
    expect(out.text).toMatch(/certificate has expired/);
    const line = await (async () => {
      for (;;) {
        const l = lines.find((x) => x.code === 'LH_TLS_HANDSHAKE' && x.listener === 'syslog-tls');
        if (l) return l;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    expect(line).toMatchObject({
      level: 40,
      remote: '127.0.0.1',
      reason: 'sslv3 alert certificate expired',
    });
    expect(line.msg).toBe('TLS handshake failed: sslv3 alert certificate expired');
  });
});

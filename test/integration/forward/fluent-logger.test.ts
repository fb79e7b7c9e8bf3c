/**
 * npm `fluent-logger` (a client we did not write) in every mode it offers, against a real
 * logharbor and PostgreSQL; the exact rows are checked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { rmSync } from 'node:fs';
import { startHarness, type Harness } from '../../support/harness.js';
import { makeTestCerts, type TestCerts } from '../../support/tls-cert.js';

const require = createRequire(import.meta.url);
// fluent-logger is CommonJS without ESM types for EventTime.
const fluent = require('fluent-logger') as {
  createFluentSender(prefix: string, opts: Record<string, unknown>): Sender;
  EventTime: new (sec: number, nsec: number) => unknown;
};

interface Sender {
  emit(label: string, data: Record<string, unknown>, ts: unknown, cb: (err?: Error) => void): void;
  end(label?: string, data?: unknown, cb?: () => void): void;
  on(ev: string, cb: (e: Error) => void): void;
}

/** fluent-logger reports a failed handshake only on its 'error' event, never to emit's callback. */
function firstError(sender: Sender): Promise<Error> {
  return new Promise((resolve) => sender.on('error', resolve));
}

function send(
  sender: Sender,
  label: string,
  data: Record<string, unknown>,
  ts: unknown,
): Promise<void> {
  return new Promise((resolve, reject) =>
    sender.emit(label, data, ts, (err) => (err ? reject(err) : resolve())),
  );
}

const T = 1_700_000_000; // 2023-11-14T22:13:20Z

type Opts = Record<string, unknown>;

async function roundTrip(
  h: Harness,
  tag: string,
  opts: Opts,
  n = 5,
): Promise<Record<string, unknown>[]> {
  const sender = fluent.createFluentSender('app', {
    host: '127.0.0.1',
    port: h.forwardPort,
    timeout: 5,
    reconnectInterval: 200,
    ...opts,
  });
  sender.on('error', () => undefined);
  const sends: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    sends.push(
      send(
        sender,
        tag,
        { message: `${tag} line ${i}`, level: i === 0 ? 'warn' : 'info', user: 'ann', n: i },
        new fluent.EventTime(T, 123_456_789 + i),
      ),
    );
  }
  await Promise.all(sends);
  const rows = await h.waitForRows(n, `tag = 'app.${tag}'`);
  sender.end();
  return rows;
}

function expectRows(rows: Record<string, unknown>[], tag: string, n = 5): void {
  expect(rows).toHaveLength(n);
  rows.forEach((r, i) => {
    expect(r).toMatchObject({
      source: 'forward',
      tag: `app.${tag}`,
      message: `${tag} line ${i}`,
      severity: i === 0 ? 4 : 6,
      container_id: null,
      container_name: null,
      stream: null,
      ts_ns: (789 + i) % 1000,
      attrs: { level: i === 0 ? 'warn' : 'info', user: 'ann', n: i },
    });
    expect((r.ts as Date).toISOString()).toBe('2023-11-14T22:13:20.123Z');
  });
}

describe('fluent-logger against logharbor', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  for (const eventMode of ['Message', 'PackedForward', 'CompressedPackedForward']) {
    for (const requireAckResponse of [false, true]) {
      it(`${eventMode}${requireAckResponse ? ' with requireAckResponse' : ''} stores the exact rows`, async () => {
        const tag = `${eventMode.toLowerCase()}${requireAckResponse ? 'ack' : ''}`;
        expectRows(await roundTrip(h, tag, { eventMode, requireAckResponse }), tag);
      });
    }
  }

  it('keeps whole-second times sent as integers', async () => {
    const sender = fluent.createFluentSender('app', {
      host: '127.0.0.1',
      port: h.forwardPort,
      requireAckResponse: true,
    });
    await send(sender, 'intsec', { message: 'int time' }, T);
    const [row] = await h.waitForRows(1, `tag = 'app.intsec'`);
    sender.end();
    expect((row!.ts as Date).toISOString()).toBe('2023-11-14T22:13:20.000Z');
    expect(row!.ts_ns).toBe(0);
  });
});

describe('fluent-logger with a shared key', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      LOGHARBOR_SHARED_KEY: 'very-secret',
      LOGHARBOR_FORWARD_USERS: 'alice:wonder',
      LOGHARBOR_HANDSHAKE_TIMEOUT: '3s',
    });
  });
  afterAll(async () => h.close());

  it('accepts the right key, user and password', async () => {
    const rows = await roundTrip(h, 'secure', {
      requireAckResponse: true,
      security: {
        clientHostname: 'client.example',
        sharedKey: 'very-secret',
        username: 'alice',
        password: 'wonder',
      },
    });
    expectRows(rows, 'secure');
    expect(rows[0]!.host).toBe('client.example');
  });

  for (const [label, tag, security, error] of [
    [
      'a wrong key',
      'wrongkey',
      {
        clientHostname: 'client.example',
        sharedKey: 'wrong',
        username: 'alice',
        password: 'wonder',
      },
      /shared_key mismatch/,
    ],
    [
      'a wrong password',
      'wrongpw',
      { clientHostname: 'c', sharedKey: 'very-secret', username: 'alice', password: 'guess' },
      /Authentication failed/,
    ],
  ] as const) {
    it(`refuses ${label}: nothing stored, the error is counted`, async () => {
      const sender = fluent.createFluentSender('app', {
        host: '127.0.0.1',
        port: h.forwardPort,
        timeout: 1,
        requireAckResponse: true,
        ackResponseTimeout: 1500,
        reconnectInterval: 100000,
        security,
      });
      const failed = firstError(sender);
      void send(sender, tag, { message: 'nope' }, T).catch(() => undefined);
      expect((await failed).message).toMatch(error);
      sender.end();
      expect(await h.rows(`tag = 'app.${tag}'`)).toHaveLength(0);
      const health = h.telemetry.listenerHealth().find((l) => l.listener === 'forward-tcp')!;
      expect(health.lastError).toMatch(/handshake refused/);
    });
  }
});

describe('fluent-logger over TLS', () => {
  let h: Harness;
  let certs: TestCerts;
  beforeAll(async () => {
    certs = makeTestCerts();
    h = await startHarness({
      LOGHARBOR_TLS_CERT_FILE: certs.certFile,
      LOGHARBOR_TLS_KEY_FILE: certs.keyFile,
      LOGHARBOR_FORWARD_TLS_ADDR: '127.0.0.1:0',
    });
  });
  afterAll(async () => {
    await h.close();
    rmSync(certs.dir, { recursive: true, force: true });
  });

  it('stores events sent over TLS with acks', async () => {
    const port = h.collector.forward.streams.find((s) => s.name === 'forward-tls')!.port;
    const sender = fluent.createFluentSender('app', {
      host: '127.0.0.1',
      port,
      tls: true,
      tlsOptions: { ca: certs.ca },
      requireAckResponse: true,
      eventMode: 'PackedForward',
    });
    await Promise.all(
      [0, 1, 2].map((i) =>
        send(sender, 'tls', { message: `tls line ${i}` }, new fluent.EventTime(T, i)),
      ),
    );
    const rows = await h.waitForRows(3, `tag = 'app.tls'`);
    sender.end();
    expect(rows.map((r) => r.message)).toEqual(['tls line 0', 'tls line 1', 'tls line 2']);
  });
});

/**
 * The stream listener's per-peer limit over real sockets: past it a peer's new
 * connections are closed at once and counted, the refusal is logged once however many
 * follow, another address is unaffected, and unix sockets (no peer address) are exempt.
 * 127.0.0.2 is another peer: Linux routes all of 127/8 to lo.
 */
import net from 'node:net';
import tls from 'node:tls';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Telemetry } from '../../../core/telemetry.js';
import { listenStream, type StreamListener } from '../../../collector/listen/stream-listener.js';
import { makeCa, pkiDir } from '../../support/tls-pki.js';

type Line = Record<string, unknown>;

function captureLog(): { log: pino.Logger; lines: Line[] } {
  const lines: Line[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => lines.push(JSON.parse(s) as Line) });
  return { log, lines };
}

/** Connects; resolves 'accepted' when the listener greets it, 'closed' when it is closed first. */
async function connect(
  to: net.NetConnectOpts,
): Promise<{ socket: net.Socket; outcome: 'accepted' | 'closed' }> {
  const socket = net.connect(to);
  socket.on('error', () => undefined);
  const outcome = await new Promise<'accepted' | 'closed'>((resolve) => {
    socket.once('data', () => resolve('accepted'));
    socket.once('close', () => resolve('closed'));
  });
  return { socket, outcome };
}

const open: net.Socket[] = [];
let listener: StreamListener | null = null;
afterEach(async () => {
  for (const s of open.splice(0)) s.destroy();
  await listener?.close();
  listener = null;
});

function start(
  o: {
    transport: 'tcp' | 'tls' | 'unix';
    path?: string;
    perPeer: number;
    tls?: { certFile: string; keyFile: string; caFile: null };
    idleTimeoutMs?: number;
    onConnection?: Parameters<typeof listenStream>[0]['onConnection'];
  },
  log: pino.Logger,
) {
  const telemetry = new Telemetry();
  return listenStream({
    name: `test-${o.transport}`,
    protocol: 'test',
    transport: o.transport,
    host: '127.0.0.1',
    port: 0,
    path: o.path,
    tls: o.tls,
    maxConnections: 100,
    maxConnectionsPerPeer: o.perPeer,
    requestTimeoutMs: 60_000,
    idleTimeoutMs: o.idleTimeoutMs ?? 60_000,
    handshakeTimeoutMs: 10_000,
    log,
    telemetry,
    onConnection:
      o.onConnection ??
      ((socket) => {
        socket.write('A');
      }),
  });
}

describe('idle timeout', () => {
  it('leaves open a connection the server owes a reply, and closes it once idle after the reply', async () => {
    // Regression (CI, a loaded machine): a forward client waiting for an ack that the
    // spool's fdatasync held past the idle timeout was closed without it.
    const { log } = captureLog();
    let owed = true;
    let asked = 0;
    let askedOnce!: () => void;
    const timedOut = new Promise<void>((resolve) => (askedOnce = resolve));
    let server!: net.Socket;
    listener = await start(
      {
        transport: 'tcp',
        perPeer: 10,
        idleTimeoutMs: 100,
        onConnection: (socket) => {
          server = socket;
          socket.write('A');
          return {
            owesReply: () => {
              asked++;
              askedOnce();
              return owed;
            },
          };
        },
      },
      log,
    );
    const c = await connect({ port: listener.port!, host: '127.0.0.1' });
    open.push(c.socket);
    expect(c.outcome).toBe('accepted');
    let closed = false;
    const gone = new Promise<void>((resolve) => c.socket.once('close', () => resolve()));
    void gone.then(() => (closed = true));
    await timedOut; // the idle timer fired while the reply was owed
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(false);
    expect(server.destroyed).toBe(false);
    owed = false;
    server.write('R'); // the reply: activity re-arms the timer, which closes it when idle
    await gone;
    expect(asked).toBe(2);
  });
});

describe('per-peer connection limit', () => {
  it('closes a peer past its limit, counts each refusal, logs once; another peer gets in', async () => {
    const { log, lines } = captureLog();
    listener = await start({ transport: 'tcp', perPeer: 2 }, log);
    const port = listener.port!;
    const first = [
      await connect({ port, host: '127.0.0.1' }),
      await connect({ port, host: '127.0.0.1' }),
    ];
    open.push(...first.map((c) => c.socket));
    expect(first.map((c) => c.outcome)).toEqual(['accepted', 'accepted']);

    const extra = [];
    for (let i = 0; i < 5; i++) extra.push(await connect({ port, host: '127.0.0.1' }));
    expect(extra.map((c) => c.outcome)).toEqual(Array(5).fill('closed'));

    const other = await connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' });
    open.push(other.socket);
    expect(other.outcome).toBe('accepted');

    expect(listener.health.errors).toBe(5);
    expect(listener.health.lastError).toMatch(/LH_PEER_CONNECTION_LIMIT.*127\.0\.0\.1/);
    const refusals = lines.filter((l) => l.code === 'LH_PEER_CONNECTION_LIMIT');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ level: 40, remote: '127.0.0.1', limit: 2, suppressed: 0 });

    // A slot freed by a close is a slot again.
    first[0]!.socket.destroy();
    const again = await (async () => {
      for (;;) {
        const c = await connect({ port, host: '127.0.0.1' });
        if (c.outcome === 'accepted') return c;
      }
    })();
    open.push(again.socket);
    expect(listener.health.connections).toBe(3);
  });

  it('exempts unix sockets, which have no peer address', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lh-listen-'));
    try {
      const { log, lines } = captureLog();
      listener = await start({ transport: 'unix', path: path.join(dir, 's'), perPeer: 1 }, log);
      const cs = [];
      for (let i = 0; i < 4; i++) cs.push(await connect({ path: path.join(dir, 's') }));
      open.push(...cs.map((c) => c.socket));
      expect(cs.map((c) => c.outcome)).toEqual(Array(4).fill('accepted'));
      expect(lines.filter((l) => l.code === 'LH_PEER_CONNECTION_LIMIT')).toHaveLength(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts a TLS peer on its TCP connection, before the handshake, and logs no TLS error', async () => {
    const dir = pkiDir();
    try {
      const ca = makeCa(dir, 'ca');
      const server = ca.issue('server', { usage: 'server' });
      const { log, lines } = captureLog();
      listener = await start(
        {
          transport: 'tls',
          perPeer: 1,
          tls: { certFile: server.certFile, keyFile: server.keyFile, caFile: null },
        },
        log,
      );
      const port = listener.port!;
      const first = tls.connect({ port, host: '127.0.0.1', ca: ca.cert });
      first.on('error', () => undefined);
      open.push(first);
      await new Promise((r) => first.once('data', r));
      // A second peer connection, TLS never even started: closed on the TCP level.
      const plain = await connect({ port, host: '127.0.0.1' });
      expect(plain.outcome).toBe('closed');
      const second = tls.connect({ port, host: '127.0.0.1', ca: ca.cert });
      const err = await new Promise<Error>((r) => second.once('error', r));
      expect(err.message).toMatch(/socket disconnected|ECONNRESET|socket hang up/);
      expect(lines.filter((l) => l.code === 'LH_PEER_CONNECTION_LIMIT')).toHaveLength(1);
      expect(lines.filter((l) => l.code === 'LH_TLS_HANDSHAKE')).toHaveLength(0);
      expect(listener.health.errors).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

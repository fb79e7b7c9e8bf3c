/**
 * Issue 6, listener limits on a running logharbor over real sockets:
 *
 * - LOGHARBOR_MAX_CONNECTIONS_PER_PEER: one address opening more connections than the
 *   limit has the extras closed at once (counted, logged once), while its first ones
 *   keep working and a connection from another address (127.0.0.2: Linux routes all of
 *   127/8 to lo) connects and is stored;
 * - LOGHARBOR_REQUEST_TIMEOUT: a slowloris sender dribbling a forward request, and another
 *   dribbling an RFC 6587 octet-counted syslog frame, are disconnected with
 *   LH_REQUEST_TIMEOUT, while a normal client on the same listener keeps being served.
 *   The dribbled requests declare sizes they never reach, and the idle timeout is an
 *   hour: without the request deadline nothing would ever close them.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unpackMultiple } from 'msgpackr';
import { pino } from 'pino';
import { arr, cat, pack, str } from '../../support/msgpack-bytes.js';
import { startHarness, type Harness } from '../../support/harness.js';

type Line = Record<string, unknown>;

const PER_PEER = 3;
const REQUEST_TIMEOUT_MS = 600;
const T = 1_764_300_000;

const forwardRequest = (tag: string, log: string, chunk: string) =>
  cat(arr(4), str(tag), pack(T), pack({ log }), pack({ chunk }));

interface Client {
  socket: net.Socket;
  closed: Promise<void>;
  isClosed(): boolean;
  acks(): string[];
  waitAcks(n: number): Promise<string[]>;
}

/** A forward/syslog client bound to `localAddress`, recording acks and the close. */
async function client(port: number, localAddress = '127.0.0.1'): Promise<Client> {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) =>
    socket.once('connect', resolve).once('error', reject),
  );
  let received = Buffer.alloc(0);
  let isClosed = false;
  const waiters = new Set<() => void>();
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      isClosed = true;
      for (const w of waiters) w();
      resolve();
    }),
  );
  socket.on('data', (d: Buffer) => {
    received = Buffer.concat([received, d]);
    for (const w of waiters) w();
  });
  const acks = () =>
    received.length === 0 ? [] : (unpackMultiple(received) as { ack: string }[]).map((a) => a.ack);
  return {
    socket,
    closed,
    isClosed: () => isClosed,
    acks,
    waitAcks: (n) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (acks().length >= n) {
            waiters.delete(check);
            resolve(acks());
          } else if (isClosed) {
            waiters.delete(check);
            reject(new Error(`closed after ${acks().length} of ${n} acks`));
          }
        };
        waiters.add(check);
        check();
      }),
  };
}

/** Writes `first`, then one byte of `filler` every 20 ms until the socket closes. */
function dribble(c: Client, first: Buffer, filler = 'x'): void {
  c.socket.write(first);
  const timer = setInterval(() => {
    if (c.isClosed()) clearInterval(timer);
    else c.socket.write(filler);
  }, 20);
  void c.closed.then(() => clearInterval(timer));
}

describe('per-peer connection limit and request deadline', () => {
  let h: Harness;
  const lines: Line[] = [];
  beforeAll(async () => {
    const log = pino(
      { level: 'info' },
      { write: (s: string) => lines.push(JSON.parse(s) as Line) },
    );
    h = await startHarness(
      {
        LOGHARBOR_MAX_CONNECTIONS_PER_PEER: String(PER_PEER),
        LOGHARBOR_REQUEST_TIMEOUT: `${REQUEST_TIMEOUT_MS}ms`,
        LOGHARBOR_IDLE_TIMEOUT: '1h',
      },
      log,
    );
  });
  afterAll(async () => h?.close());

  const health = (listener: string) =>
    h.telemetry.listenerHealth().find((l) => l.listener === listener)!;
  const logged = (code: string, listener: string) =>
    lines.filter((l) => l.code === code && l.listener === listener);
  /** Closes `clients` and waits until the listener has let go of every connection. */
  async function closeAll(listener: string, clients: Client[]): Promise<void> {
    for (const c of clients) c.socket.destroy();
    while (health(listener).connections > 0) await new Promise((r) => setTimeout(r, 10));
  }

  it('closes a peer past its limit at once; its first connections and another address go on', async () => {
    const port = h.forwardPort;
    const mine = [];
    for (let i = 0; i < PER_PEER; i++) mine.push(await client(port));
    const errorsBefore = health('forward-tcp').errors;
    const extras = [];
    for (let i = 0; i < 4; i++) extras.push(await client(port));
    // Without the limit these would stay open for the hour-long idle timeout.
    await Promise.all(extras.map((c) => c.closed));
    expect(health('forward-tcp').errors - errorsBefore).toBe(4);
    expect(health('forward-tcp').lastError).toMatch(/LH_PEER_CONNECTION_LIMIT.*127\.0\.0\.1/);
    const refusals = logged('LH_PEER_CONNECTION_LIMIT', 'forward-tcp');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ level: 40, remote: '127.0.0.1', limit: PER_PEER });

    const other = await client(port, '127.0.0.2');
    other.socket.write(forwardRequest('peerlimit', 'from 127.0.0.2', 'o1'));
    expect(await other.waitAcks(1)).toEqual(['o1']);
    for (const [i, c] of mine.entries()) {
      c.socket.write(forwardRequest('peerlimit', `from 127.0.0.1 #${i}`, `m${i}`));
      expect(await c.waitAcks(1)).toEqual([`m${i}`]);
    }
    const rows = await h.rows(`tag = 'peerlimit'`);
    expect(rows.map((r) => r.message).sort()).toEqual([
      'from 127.0.0.1 #0',
      'from 127.0.0.1 #1',
      'from 127.0.0.1 #2',
      'from 127.0.0.2',
    ]);
    await closeAll('forward-tcp', [...mine, other]);
  });

  it('applies the same limit to syslog over TCP', async () => {
    const port = h.port('syslog-tcp');
    const mine = [];
    for (let i = 0; i < PER_PEER; i++) mine.push(await client(port));
    const extra = await client(port);
    await extra.closed;
    const other = await client(port, '127.0.0.2');
    other.socket.end('<14>1 - h peerlimitsys - - - from 127.0.0.2\n');
    mine[0]!.socket.end('<14>1 - h peerlimitsys - - - from 127.0.0.1\n');
    const rows = await h.waitForRows(2, `app = 'peerlimitsys'`);
    expect(rows.map((r) => r.message).sort()).toEqual(['from 127.0.0.1', 'from 127.0.0.2']);
    expect(logged('LH_PEER_CONNECTION_LIMIT', 'syslog-tcp')).toHaveLength(1);
    await closeAll('syslog-tcp', [...mine, other]);
  });

  it('disconnects a forward slowloris after the request timeout; a normal client keeps its acks', async () => {
    const port = h.forwardPort;
    const normal = await client(port, '127.0.0.2');
    const slow = await client(port);
    // A request whose log declares 1 MiB (str32 header), then one byte every 20 ms.
    const head = cat(arr(3), str('slowloris'), pack(T), [0x81], str('log'), [0xdb, 0, 0x10, 0, 0]);
    dribble(slow, head);
    let sent = 0;
    while (!slow.isClosed()) {
      normal.socket.write(forwardRequest('slowfwd', `normal ${sent}`, `n${sent}`));
      sent++;
      await normal.waitAcks(sent);
    }
    expect(sent).toBeGreaterThan(1);
    normal.socket.write(forwardRequest('slowfwd', 'after the slowloris', 'after'));
    expect((await normal.waitAcks(sent + 1)).at(-1)).toBe('after');
    expect(normal.isClosed()).toBe(false);

    expect(health('forward-tcp').lastError).toMatch(/LH_REQUEST_TIMEOUT/);
    const cut = logged('LH_REQUEST_TIMEOUT', 'forward-tcp');
    expect(cut).toHaveLength(1);
    expect(cut[0]).toMatchObject({ level: 40, remote: '127.0.0.1' });
    expect(cut[0]!.ageMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS);
    expect(await h.rows(`tag = 'slowloris'`)).toHaveLength(0);
    expect(await h.waitForRows(sent + 1, `tag = 'slowfwd'`)).toHaveLength(sent + 1);
    await closeAll('forward-tcp', [normal]);
  });

  it('disconnects a syslog slowloris inside an octet-counted frame; a normal sender is stored', async () => {
    const port = h.port('syslog-tcp');
    const normal = await client(port, '127.0.0.2');
    const slow = await client(port);
    // RFC 6587 octet counting: 100000 octets announced, one arriving every 20 ms.
    dribble(slow, Buffer.from('100000 <14>1 - h slowsys - - - '));
    let sent = 0;
    while (!slow.isClosed()) {
      normal.socket.write(`<14>1 - h normalsys - - - line ${sent}\n`);
      sent++;
      await h.waitForRows(sent, `app = 'normalsys'`);
    }
    normal.socket.write('<14>1 - h normalsys - - - after the slowloris\n');
    const rows = await h.waitForRows(sent + 1, `app = 'normalsys'`);
    expect(rows.at(-1)!.message).toBe('after the slowloris');
    expect(normal.isClosed()).toBe(false);

    const cut = logged('LH_REQUEST_TIMEOUT', 'syslog-tcp');
    expect(cut).toHaveLength(1);
    expect(cut[0]).toMatchObject({ level: 40, remote: '127.0.0.1' });
    expect(health('syslog-tcp').lastError).toMatch(/LH_REQUEST_TIMEOUT/);
    expect(await h.rows(`app = 'slowsys'`)).toHaveLength(0);
    await closeAll('syslog-tcp', [normal]);
  });
});

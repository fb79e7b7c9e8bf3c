/**
 * Issue 6, "a flood of connections, a slowloris sender: other clients keep working".
 * A forward client with acks is connected and sending; then slowloris senders (one byte
 * of a valid request at a time, a byte per second) and a flood of idle connections, more
 * than LOGHARBOR_MAX_CONNECTIONS, are opened on the same forward port. The connected
 * client's events must keep committing while they are held, every acked event once.
 * A client arriving during the flood is refused while the limit is reached; it gets in
 * once LOGHARBOR_IDLE_TIMEOUT has closed the idle connections (the slowloris senders are
 * never idle, so they stay: see the report of issue 6).
 */
import net from 'node:net';
import { Packr } from 'msgpackr';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer } from '../../../dev/server.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { ResendingForwardClient } from './forward-client.js';
import { lostOf, printRow, storedMessages, waitFor } from './tally.js';

const MAX_CONNECTIONS = 64;
const FLOOD = 200;
const SLOWLORIS = 10;
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('rel_flood');
});
afterAll(async () => {
  await db?.drop();
});

/** Writes `bytes` one byte per second until the socket closes or `stop` is called. */
function slowloris(port: number, bytes: Buffer): { stop(): void; socket: net.Socket } {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= bytes.length) return clearInterval(timer);
    if (!socket.connecting) socket.write(bytes.subarray(i, ++i));
  }, 1000);
  return {
    socket,
    stop() {
      clearInterval(timer);
      socket.destroy();
    },
  };
}

it(
  'keeps committing a connected client through a flood and slowloris',
  { timeout: 120_000 },
  async () => {
    const srv = await startServer({
      DATABASE_URL: db.url,
      LOGHARBOR_LOG_LEVEL: 'fatal',
      LOGHARBOR_MAX_CONNECTIONS: String(MAX_CONNECTIONS),
      LOGHARBOR_IDLE_TIMEOUT: '3s',
    });
    const port = srv.ports['forward-tcp']!;
    const fwd = new ResendingForwardClient({
      port: () => port,
      tag: 'relflood',
      perChunk: 20,
      inFlight: 4,
      ackTimeoutMs: 10_000,
    });
    const late = new ResendingForwardClient({
      port: () => port,
      tag: 'relfloodlate',
      perChunk: 1,
      inFlight: 1,
      ackTimeoutMs: 10_000,
    });
    const held: { stop(): void; socket: net.Socket }[] = [];
    try {
      fwd.start();
      await waitFor('acks before the flood', () => fwd.acked.size >= 10, 60_000);

      const request = new Packr({ useRecords: false }).pack([
        'relflood',
        Math.floor(Date.now() / 1000),
        { log: 'slowloris' },
        { chunk: 'slowloris' },
      ]);
      for (let i = 0; i < SLOWLORIS; i++) held.push(slowloris(port, request));
      const flood = Array.from({ length: FLOOD }, () => {
        const s = net.connect(port, '127.0.0.1');
        s.on('error', () => undefined);
        return { socket: s, stop: () => s.destroy() };
      });
      held.push(...flood);
      await Promise.all(
        flood.map(
          (f) => new Promise((r) => (f.socket.connecting ? f.socket.once('connect', r) : r(null))),
        ),
      );
      // Past the limit logharbor closes new connections at once; wait until it has.
      await waitFor(
        'the connections past the limit to be closed',
        () =>
          flood.filter((f) => f.socket.destroyed || f.socket.readableEnded).length >=
          FLOOD + SLOWLORIS + 1 - MAX_CONNECTIONS,
        30_000,
      );
      const refused = flood.filter((f) => f.socket.destroyed || f.socket.readableEnded).length;

      const ackedAtFlood = fwd.acked.size;
      const floodAt = Date.now();
      late.start();
      await waitFor('acks during the flood', () => fwd.acked.size >= ackedAtFlood + 50, 60_000);
      const during = fwd.acked.size - ackedAtFlood;
      const heldMs = Date.now() - floodAt;
      await waitFor('the late client to be served', () => late.acked.size >= 5, 60_000);
      const lateMs = late.ackTimes[0]! - floodAt;
      const slowStillOpen = held.slice(0, SLOWLORIS).filter((h) => !h.socket.destroyed).length;
      await fwd.finish(30_000);
      await late.finish(30_000);
      const lateEvents = await storedMessages(db.url, 'relfloodlate %');

      const events = await storedMessages(db.url, 'relflood %');
      const acked = fwd.ackedEvents();
      const lost = lostOf(acked, events);
      printRow({
        fault: `flood of ${FLOOD} idle connections (limit ${MAX_CONNECTIONS}; ${refused} closed) + ${SLOWLORIS} slowloris (1 B/s)`,
        load: 'forward 4 chunks x 20 in flight on an existing connection',
        sent: fwd.sentEvents,
        acked: acked.length,
        stored: events.distinct.size,
        duplicates: events.duplicates,
        lost,
        recovery: `no outage: ${during} chunks acked in ${heldMs} ms under flood; ${slowStillOpen}/${SLOWLORIS} slowloris still open; a new client was locked out ${lateMs} ms (until idle timeout 3 s)`,
      });
      expect(during).toBeGreaterThanOrEqual(50);
      expect(acked.length).toBe(fwd.sentEvents);
      expect(lost).toBe(0);
      expect(events.duplicates).toBe(0);
      expect(late.ackedEvents().every((m) => lateEvents.distinct.has(m))).toBe(true);
      expect(lateEvents.duplicates).toBe(0);
    } finally {
      fwd.close();
      for (const h of held) h.stop();
      await srv.stop();
    }
  },
);

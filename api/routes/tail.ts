/**
 * GET /api/tail?q=&after= (websocket): backlog, then live records (api/tail/session.ts).
 * The upgrade goes through the normal router (@fastify/websocket), so the auth hook runs
 * first: a missing or wrong token gets HTTP 401 and no websocket. Problems found after the
 * upgrade (bad query or cursor, too many clients) are sent as
 * `{"type":"error","code","message","column"?}`, then the socket is closed, since a
 * browser cannot read the body of a refused upgrade.
 */
import type { FastifyInstance } from 'fastify';
import type { RawData, WebSocketServer } from 'ws';
import type { Pool } from '../../core/db/pool.js';
import { Errors, LogharborError } from '../../core/errors.js';
import type { Telemetry } from '../../core/telemetry.js';
import { parseQuery } from '../query/index.js';
import { backlogReader } from '../tail/backlog.js';
import type { TailHub } from '../tail/hub.js';
import { CLOSE, TailSession, refuse } from '../tail/session.js';

export interface TailDeps {
  pool: Pool;
  hub: TailHub;
  telemetry: Telemetry;
}

function single(name: string, v: unknown): string | undefined {
  if (v === undefined || typeof v === 'string') return v;
  throw new LogharborError(Errors.BAD_REQUEST, `give ${name} once, as text`);
}

/** `after`: a record id as the API gives it out (decimal text). */
export function parseAfter(v: string | undefined): number | null {
  if (v === undefined || v === '') return null;
  const n = /^\d{1,16}$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw new LogharborError(
      Errors.BAD_REQUEST,
      `after: expected a record id, got ${JSON.stringify(v)}`,
    );
  }
  return n;
}

function text(data: RawData, isBinary: boolean): string | null {
  if (isBinary) return null;
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8');
}

/**
 * At shutdown, tells every websocket client the server is going away (1001) and cuts off
 * those that do not answer within `graceMs` (a client that stopped reading never will;
 * ws alone would wait 30 s for it). Used as @fastify/websocket's `preClose`.
 */
export async function closeSockets(wss: WebSocketServer, graceMs: number): Promise<void> {
  await Promise.all(
    [...wss.clients].map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === ws.CLOSED) return resolve();
          const cut = setTimeout(() => ws.terminate(), graceMs);
          ws.once('close', () => {
            clearTimeout(cut);
            resolve();
          });
          ws.close(1001, 'server shutting down');
        }),
    ),
  );
  await new Promise<void>((resolve) => wss.close(() => resolve()));
}

export function tailRoutes(app: FastifyInstance, deps: TailDeps): void {
  const { hub, telemetry } = deps;
  const readBacklog = backlogReader(deps.pool, hub.limits);
  app.get('/api/tail', { websocket: true }, (socket, req) => {
    const params = req.query as Record<string, unknown>;
    let session: TailSession;
    try {
      const query = parseQuery(single('q', params.q) ?? '');
      const after = parseAfter(single('after', params.after));
      if (hub.clients >= hub.limits.maxClients) {
        const err = new LogharborError(
          Errors.CONNECTION_LIMIT,
          `at most ${hub.limits.maxClients} live-tail clients; try again later`,
        );
        refuse(socket, err, CLOSE.tryAgain);
        return;
      }
      session = new TailSession(socket, {
        hub,
        query,
        after,
        readBacklog,
        log: req.log,
        onEnd: () => telemetry.tailClients.dec(),
      });
    } catch (e) {
      if (!(e instanceof LogharborError)) throw e;
      refuse(socket, e, CLOSE.policy);
      return;
    }
    telemetry.tailClients.inc();
    socket.on('message', (data, isBinary) => session.onMessage(text(data, isBinary)));
    socket.on('pong', () => session.onPong());
    socket.on('close', () => session.onClose());
    void session.start();
  });
}

/**
 * A `ws` client of GET /api/tail for tests: collects every message, exposes the raw TCP
 * socket (so a test can stop reading, as a slow client does), and waits for conditions.
 */
import type http from 'node:http';
import net from 'node:net';
import WebSocket from 'ws';
import type { StoredRecord } from '../../../core/record.js';

export type TailMessage =
  | { type: 'records'; records: StoredRecord[] }
  | { type: 'dropped'; count: number }
  | { type: 'error'; code: string; message: string; column?: number };

export interface TailClient {
  ws: WebSocket;
  /** The TCP socket under the websocket: `pause()` it to play a client that stops reading. */
  tcp: net.Socket;
  messages: TailMessage[];
  records(): StoredRecord[];
  ids(): number[];
  dropped(): number;
  /** Resolves once `cond()` holds (checked on every message), rejects after `timeoutMs`. */
  waitFor(cond: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Code and reason of the close, once closed. */
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

export interface TailParams {
  q?: string;
  after?: string | number;
  token?: string;
}

export function tailUrl(base: string, p: TailParams): string {
  const u = new URL('/api/tail', base.replace(/^http/, 'ws'));
  if (p.q !== undefined) u.searchParams.set('q', p.q);
  if (p.after !== undefined) u.searchParams.set('after', String(p.after));
  if (p.token !== undefined) u.searchParams.set('token', p.token);
  return u.toString();
}

/** Opens a tail; rejects with "Unexpected server response: <status>" when refused. */
export function openTail(
  base: string,
  p: TailParams = {},
  headers: Record<string, string> = {},
): Promise<TailClient> {
  let tcp: net.Socket | undefined;
  const ws = new WebSocket(tailUrl(base, p), {
    headers,
    createConnection: (opts: http.ClientRequestArgs) =>
      (tcp = net.connect(opts as net.NetConnectOpts)),
  });
  const messages: TailMessage[] = [];
  const waiters = new Set<() => void>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const w of waiters) w();
    }),
  );
  ws.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as TailMessage);
    for (const w of waiters) w();
  });
  const records = () =>
    messages.flatMap((m) => (m.type === 'records' ? m.records : ([] as StoredRecord[])));
  const client: TailClient = {
    ws,
    get tcp() {
      return tcp!;
    },
    messages,
    records,
    ids: () => records().map((r) => Number(r.id)),
    dropped: () => messages.reduce((n, m) => n + (m.type === 'dropped' ? m.count : 0), 0),
    closed,
    waitFor(cond, what, timeoutMs = 15_000) {
      if (cond()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!cond()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `timed out waiting for ${what}; got ${JSON.stringify(messages).slice(0, 500)}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
      });
    },
    async close() {
      if (ws.readyState !== WebSocket.CLOSED) ws.close();
      await closed;
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('error', reject);
  });
}

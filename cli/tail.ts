/**
 * `logharbor tail '<query>'`: follows GET /api/tail (websocket) and prints records as they
 * arrive. On a lost connection it reconnects with backoff and `after=<last id printed>`,
 * so nothing is printed twice and nothing is skipped (the server's resume guarantee).
 * When stdout cannot keep up (a slow pipe), the socket stops being read, so the server
 * holds and then drops records for this reader and says how many; that notice goes to
 * stderr. Node 20 has no WebSocket client built in, so this uses `ws`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { formatDropped, formatRecord, type Style } from './output.js';
import { apiError, authHeaders, isObject, isRecord, resolveRemote, type Remote } from './remote.js';

export interface TailOptions {
  json?: boolean;
  after?: string;
  url: string;
  token?: string;
}

export interface TailIO {
  /** Writes one line to stdout; false when its buffer is full (wait for `onDrain`). */
  write(line: string): boolean;
  onDrain(fn: () => void): void;
  /** Diagnostics (stderr). */
  note(line: string): void;
  style: Style;
}

/** Errors the same request would get again: reconnecting cannot help. */
const PERMANENT = new Set([
  'LH_QUERY_SYNTAX',
  'LH_QUERY_TOO_LONG',
  'LH_BAD_REQUEST',
  'LH_UNAUTHORIZED',
]);
const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 10_000;
/** The server pings every ~20 s; silence for longer than two of them means a dead link. */
const SILENCE_MS = 45_000;

export function tailUrl(remote: Remote, query: string, after: string | null): string {
  const u = new URL('/api/tail', remote.base);
  u.protocol = remote.base.protocol === 'https:' ? 'wss:' : 'ws:';
  if (query) u.searchParams.set('q', query);
  if (after !== null) u.searchParams.set('after', after);
  return u.toString();
}

type Outcome = { kind: 'lost' } | { kind: 'fatal'; error: Error } | { kind: 'stopped' };

/** Resolves when stopped (`signal`) or rejects on an error that reconnecting cannot fix. */
export async function tail(
  query: string,
  o: TailOptions,
  io: TailIO,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): Promise<void> {
  const remote = resolveRemote(o, env);
  let after: string | null = o.after ?? null;
  let delay = BACKOFF_MIN_MS;
  let failures = 0;
  for (;;) {
    let opened = false;
    const outcome = await new Promise<Outcome>((resolve) => {
      const ws = new WebSocket(tailUrl(remote, query, after), { headers: authHeaders(remote) });
      let silence: NodeJS.Timeout | undefined;
      const quiet = () => {
        clearTimeout(silence);
        silence = setTimeout(() => ws.terminate(), SILENCE_MS);
      };
      let outcome: Outcome = { kind: 'lost' };
      const stop = () => {
        outcome = { kind: 'stopped' };
        ws.close();
      };
      signal.addEventListener('abort', stop, { once: true });
      ws.on('open', () => {
        opened = true;
        delay = BACKOFF_MIN_MS;
        quiet();
      });
      ws.on('ping', quiet);
      ws.on('unexpected-response', (req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let body: unknown = null;
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            // not JSON: apiError says which status it was
          }
          const status = res.statusCode ?? 0;
          if (status === 401 || status === 404 || status === 400) {
            outcome = { kind: 'fatal', error: apiError(query, status, body) };
          }
          req.destroy();
          ws.terminate();
        });
      });
      ws.on('message', (data, isBinary) => {
        quiet();
        let m: unknown;
        try {
          m = isBinary ? null : JSON.parse(String(data));
        } catch {
          m = null;
        }
        if (!isObject(m)) return;
        if (m.type === 'records' && Array.isArray(m.records)) {
          let full = false;
          for (const r of m.records) {
            if (!isRecord(r)) continue;
            full = !io.write(o.json ? JSON.stringify(r) : formatRecord(r, io.style)) || full;
            after = r.id;
          }
          if (full) {
            // Let the server's flow control see this reader as slow.
            ws.pause();
            io.onDrain(() => ws.resume());
          }
        } else if (m.type === 'dropped' && typeof m.count === 'number') {
          io.note(formatDropped(m.count));
        } else if (m.type === 'error' && typeof m.code === 'string') {
          const err = apiError(query, 0, { error: m });
          if (PERMANENT.has(m.code)) outcome = { kind: 'fatal', error: err };
          else io.note(`logharbor: ${err.message}`);
        }
      });
      ws.on('error', () => undefined); // 'close' follows; the loop decides what to do
      ws.on('close', () => {
        clearTimeout(silence);
        signal.removeEventListener('abort', stop);
        resolve(outcome);
      });
    });
    if (outcome.kind === 'stopped' || signal.aborted) return;
    if (outcome.kind === 'fatal') throw outcome.error;
    if (opened) {
      failures = 0;
      io.note(`logharbor: connection lost; reconnecting${after ? ` after id ${after}` : ''}`);
    } else if (failures++ === 0) {
      io.note(`logharbor: cannot reach ${remote.base.origin}; retrying`);
    }
    try {
      await sleep(delay, undefined, { signal });
    } catch {
      return; // stopped while waiting
    }
    delay = Math.min(BACKOFF_MAX_MS, delay * 2);
  }
}

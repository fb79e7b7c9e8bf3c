/**
 * HTTP and websocket requests from a chosen loopback address (127.0.0.2, 127.0.0.3, ...:
 * all of 127/8 is local on Linux), so one test can play several clients that a per-address
 * check must tell apart.
 */
import http from 'node:http';
import WebSocket from 'ws';

export interface PeerResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json(): unknown;
}

export function get(
  url: string,
  from: string,
  headers: Record<string, string> = {},
): Promise<PeerResponse> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { localAddress: from, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          json: () => JSON.parse(body) as unknown,
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

export interface UpgradeResult {
  status: number;
  /** The open websocket (status 101), else null. */
  ws: WebSocket | null;
  /** Of a refusal: headers and body of the HTTP answer. */
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A websocket upgrade from `from`: the open socket, or the status, headers and body of a refusal. */
export function upgrade(
  url: string,
  from: string,
  headers: Record<string, string> = {},
): Promise<UpgradeResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), { localAddress: from, headers });
    ws.once('open', () => resolve({ status: 101, ws, headers: {}, body: '' }));
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          ws: null,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    ws.once('error', reject);
  });
}

/** Closes an opened websocket and waits for the close to finish. */
export function closeWs(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === ws.CLOSED) return resolve();
    ws.once('close', () => resolve());
    ws.close();
  });
}

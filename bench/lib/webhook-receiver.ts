/**
 * A webhook receiver for benchmarks (node:http on 127.0.0.1): takes the time each request
 * arrives, answers 200 at once, keeps the JSON bodies. (test/integration/alerts/ has the
 * tests' own, with failure modes; bench and test do not share code.)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  /** Date.now() when the body was read. */
  at: number;
  body: Record<string, unknown>;
}

export interface WebhookReceiver {
  url: string;
  received: Received[];
  /** Called after each request is recorded. */
  onReceive: (() => void) | null;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<WebhookReceiver> {
  const received: Received[] = [];
  const rx: WebhookReceiver = {
    url: '',
    received,
    onReceive: null,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      res.writeHead(200).end();
      try {
        received.push({ at, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      } catch {
        received.push({ at, body: {} });
      }
      rx.onReceive?.();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  rx.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return rx;
}

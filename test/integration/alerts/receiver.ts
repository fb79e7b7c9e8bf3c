/**
 * A real webhook receiver for the alert tests: node:http on 127.0.0.1, recording every
 * request it answers. It can answer with an error status, hang (a slow receiver), or be
 * down (closed: connections refused) and come back on the same port. Tests wait on what
 * it received (checked on every request), never on time.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Hit {
  at: number;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** How to answer a request: a status, or `hang` (never answer). */
export type Answer = number | 'hang';

export class Receiver {
  readonly hits: Hit[] = [];
  /** Per path, how to answer; 200 by default. */
  readonly answers = new Map<string, Answer>();
  private server: http.Server;
  private port = 0;
  private readonly waiters = new Set<() => void>();
  private readonly hung = new Set<http.ServerResponse>();

  private constructor() {
    this.server = this.make();
  }

  static async start(): Promise<Receiver> {
    const r = new Receiver();
    await r.listen();
    return r;
  }

  private make(): http.Server {
    return http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        const answer = this.answers.get(path) ?? 200;
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        } catch {
          body = { unparsed: Buffer.concat(chunks).toString('utf8') };
        }
        this.hits.push({ at: Date.now(), path, headers: req.headers, body });
        for (const w of [...this.waiters]) w();
        if (answer === 'hang') {
          this.hung.add(res);
          return;
        }
        res.writeHead(answer, { 'content-type': 'text/plain' }).end('ok');
      });
    });
  }

  private async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Requests to `path`, their JSON bodies. */
  bodies(path = '/hook'): Record<string, unknown>[] {
    return this.hits.filter((h) => h.path === path).map((h) => h.body);
  }

  /** Resolves once `cond()` holds (checked now and on every request), else rejects. */
  until(cond: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!cond()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(
            `receiver: timed out waiting for ${what}; got ${JSON.stringify(this.hits.map((h) => [h.path, h.body.kind ?? h.body.text]))}`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** Down: the port refuses connections until `up()`. */
  async down(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.hung.clear();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** Back on the same port. */
  async up(): Promise<void> {
    this.server = this.make();
    await this.listen();
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.down();
  }
}

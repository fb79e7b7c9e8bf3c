/**
 * A GET to the Docker Engine API over its unix socket (Docker Engine API, "Containers":
 * `GET /containers/json`, `GET /containers/{id}/json`), with plain node:http: a request
 * or two every few seconds needs no client library. Unversioned paths: the engine
 * answers in its own API version, and the fields read here have kept their names since
 * API 1.24.
 *
 * Bounded: the whole exchange (connect, headers, body) must end within `timeoutMs`, and
 * a body larger than `maxBytes` is refused, so a stuck or hostile socket cannot hold an
 * API request or fill memory.
 */
import http from 'node:http';

export interface EngineRequest {
  socketPath: string;
  path: string;
  timeoutMs: number;
  /** Largest body accepted; default 8 MiB (a list of thousands of containers). */
  maxBytes?: number;
}

/** Why the engine could not answer: `code` is the socket error (ENOENT, EACCES, ...) or the status. */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export function engineGet(req: EngineRequest): Promise<unknown> {
  const maxBytes = req.maxBytes ?? 8 << 20;
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err: EngineError | null, value?: unknown) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        r.destroy();
        reject(err);
      } else resolve(value);
    };
    const r = http.request(
      { socketPath: req.socketPath, path: req.path, method: 'GET', headers: { host: 'docker' } },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes)
            finish(new EngineError(`${req.path}: answer over ${maxBytes} bytes`, 'E2BIG'));
          else chunks.push(c);
        });
        res.on('error', (e: NodeJS.ErrnoException) =>
          finish(new EngineError(`${req.path}: ${e.message}`, e.code ?? 'EIO')),
        );
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status !== 200) {
            const why = text.slice(0, 200).trim();
            return finish(new EngineError(`${req.path}: HTTP ${status} ${why}`, `HTTP${status}`));
          }
          try {
            finish(null, JSON.parse(text) as unknown);
          } catch {
            finish(new EngineError(`${req.path}: the answer is not JSON`, 'EPROTO'));
          }
        });
      },
    );
    const timer = setTimeout(
      () =>
        finish(new EngineError(`${req.path}: no answer within ${req.timeoutMs} ms`, 'ETIMEDOUT')),
      req.timeoutMs,
    );
    r.on('error', (e: NodeJS.ErrnoException) =>
      finish(new EngineError(`${req.socketPath}: ${e.message}`, e.code ?? 'EIO')),
    );
    r.end();
  });
}

/**
 * Seeded log lines with the variety of a real Docker host, for measuring the trigram
 * skip index (bench/bloom.ts): dockerRecords() draws from 20 words, so its blocks hold
 * few distinct trigrams and flatter any filter. These mix the shapes containers print
 * (nginx access lines, JSON and logfmt application logs, Java and PostgreSQL server
 * lines) with the identifiers that make real logs high-entropy: trace ids, request ids,
 * IPs, durations, user names, base62 tokens.
 */
import { rng } from './docker-records.js';

const WORDS = (
  'order cart payment invoice user session token cache upstream request response ' +
  'created updated deleted failed retrying timeout refused accepted rejected queued ' +
  'started stopped listening connected disconnected reconnecting scheduled completed ' +
  'worker job batch shard replica primary checkpoint vacuum index query transaction ' +
  'commit rollback lock wait deadline exceeded unauthorized forbidden validation ' +
  'inventory shipment warehouse customer account login logout password reset email ' +
  'notification webhook delivery attempt backoff circuit breaker open closed half ' +
  'metrics exporter scrape health probe ready alive config reload signal received ' +
  'graceful shutdown draining connections pool exhausted slow write read flush sync'
).split(' ');
const PATHS = ['/api/v1/orders', '/api/v1/cart', '/api/v2/users', '/healthz', '/metrics', '/login'];
const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'curl/8.5.0',
  'kube-probe/1.29',
  'Go-http-client/1.1',
  'python-requests/2.31.0',
];
const LEVELS = ['debug', 'info', 'info', 'info', 'warn', 'error'];
const B62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `n` lines; line i of a seed is always the same. */
export function variedLines(n: number, seed = 1): string[] {
  const r = rng(seed);
  const int = (m: number) => Math.floor(r() * m);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)]!;
  const hex = (len: number) => Array.from({ length: len }, () => int(16).toString(16)).join('');
  const b62 = (len: number) => Array.from({ length: len }, () => B62[int(62)]).join('');
  const ip = () => `10.${int(4)}.${int(256)}.${int(256)}`;
  const words = (k: number) => Array.from({ length: k }, () => pick(WORDS)).join(' ');
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = new Date(1_764_000_000_000 + i * 37);
    const iso = t.toISOString();
    switch (int(5)) {
      case 0:
        out.push(
          `${ip()} - - [${iso}] "${pick(['GET', 'POST', 'PUT'])} ${pick(PATHS)}/${int(100000)}` +
            ` HTTP/1.1" ${pick([200, 200, 201, 204, 404, 500])} ${int(20000)} "-" "${pick(AGENTS)}"` +
            ` rt=${(r() * 2).toFixed(3)} req_id=${hex(16)}`,
        );
        break;
      case 1:
        out.push(
          JSON.stringify({
            level: pick(LEVELS),
            ts: iso,
            caller: `${pick(WORDS)}/${pick(WORDS)}.go:${int(900)}`,
            msg: words(2 + int(5)),
            trace_id: hex(32),
            user: `user${int(5000)}`,
            duration_ms: Math.round(r() * 5000) / 10,
          }),
        );
        break;
      case 2:
        out.push(
          `time=${iso} level=${pick(LEVELS)} msg="${words(3 + int(6))}" ` +
            `upstream=${pick(WORDS)}-${hex(5)} attempt=${int(5)} token=${b62(12)}`,
        );
        break;
      case 3:
        out.push(
          `${iso.replace('T', ' ').slice(0, 23)} ${pick(LEVELS).toUpperCase()} [http-nio-8080-exec-${int(50)}]` +
            ` c.e.shop.${pick(['Cart', 'Order', 'User'])}Controller - ${words(4 + int(8))} id=${int(1e6)}`,
        );
        break;
      default:
        out.push(
          `${iso.replace('T', ' ').slice(0, 23)} UTC [${int(30000)}] ${pick(['LOG', 'WARNING', 'ERROR'])}:  ` +
            `${words(3 + int(6))} (${int(1000)} buffers, ${(r() * 10).toFixed(1)}%)`,
        );
    }
  }
  return out;
}

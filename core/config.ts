/**
 * Configuration: one declarative table (name, kind, default, doc), read from the
 * environment, validated at start with a message naming the bad variable. The README's
 * configuration table is generated from `SETTINGS` (`npm run docs:config`), so the two
 * cannot drift. Every secret may instead be read from `NAME_FILE`.
 */
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { join as joinPath } from 'node:path';
import { Errors, LogharborError } from './errors.js';

export interface Address {
  host: string;
  port: number;
}

type Kind = 'address' | 'path' | 'string' | 'secret' | 'int' | 'ms' | 'duration' | 'size' | 'level';

interface Setting {
  env: string;
  kind: Kind;
  default: string;
  doc: string;
}

/** The table. Order is the README's order. */
export const SETTINGS = [
  {
    env: 'DATABASE_URL',
    kind: 'secret',
    default: '',
    doc: 'External PostgreSQL URL; unset runs an embedded PostgreSQL under `LOGHARBOR_DATA_DIR`.',
  },
  {
    env: 'LOGHARBOR_READ_DATABASE_URL',
    kind: 'secret',
    default: '',
    doc: 'Optional read replica (PostgreSQL streaming replication) for searches, histograms and context; the live tail and the writer stay on `DATABASE_URL`.',
  },
  {
    env: 'LOGHARBOR_DATA_DIR',
    kind: 'path',
    default: './data',
    doc: 'Where the embedded PostgreSQL and the spool keep their data.',
  },
  {
    env: 'LOGHARBOR_HTTP_ADDR',
    kind: 'address',
    default: '127.0.0.1:8080',
    doc: 'API and web page. On any address but loopback, set `LOGHARBOR_API_TOKEN` too (the start banner warns without one).',
  },
  {
    env: 'LOGHARBOR_FORWARD_ADDR',
    kind: 'address',
    default: '127.0.0.1:24224',
    doc: 'Fluentd forward protocol over TCP; the same port answers UDP heartbeats.',
  },
  {
    env: 'LOGHARBOR_FORWARD_TLS_ADDR',
    kind: 'address',
    default: 'off',
    doc: 'Forward protocol over TLS (needs `LOGHARBOR_TLS_CERT_FILE`), e.g. `127.0.0.1:24284`.',
  },
  {
    env: 'LOGHARBOR_FORWARD_SOCKET',
    kind: 'path',
    default: '',
    doc: 'Forward protocol on a unix socket at this path.',
  },
  {
    env: 'LOGHARBOR_SYSLOG_UDP_ADDR',
    kind: 'address',
    default: '127.0.0.1:5514',
    doc: 'Syslog over UDP.',
  },
  {
    env: 'LOGHARBOR_SYSLOG_TCP_ADDR',
    kind: 'address',
    default: '127.0.0.1:5514',
    doc: 'Syslog over TCP (RFC 6587 framing).',
  },
  {
    env: 'LOGHARBOR_SYSLOG_TLS_ADDR',
    kind: 'address',
    default: '',
    doc: 'Syslog over TLS (RFC 5425); unset means `127.0.0.1:6514` when a certificate is given, else off.',
  },
  {
    env: 'LOGHARBOR_SYSLOG_SOCKET',
    kind: 'path',
    default: '',
    doc: 'Syslog on a unix stream socket at this path.',
  },
  {
    env: 'LOGHARBOR_SYSLOG_DGRAM_SOCKET',
    kind: 'path',
    default: '',
    doc: 'Syslog on a unix datagram socket at this path (like /dev/log).',
  },
  {
    env: 'LOGHARBOR_SYSLOG_TIMEZONE',
    kind: 'string',
    default: 'local',
    doc: "Zone for syslog times that carry none (RFC 3164, Docker's default format): `local`, `UTC` or an IANA name.",
  },
  {
    env: 'LOGHARBOR_TLS_CERT_FILE',
    kind: 'path',
    default: '',
    doc: 'PEM certificate for the TLS listeners.',
  },
  {
    env: 'LOGHARBOR_TLS_KEY_FILE',
    kind: 'path',
    default: '',
    doc: 'PEM private key for the TLS listeners.',
  },
  {
    env: 'LOGHARBOR_TLS_CA_FILE',
    kind: 'path',
    default: '',
    doc: 'PEM CA; when set, TLS clients must present a certificate it signed.',
  },
  {
    env: 'LOGHARBOR_SHARED_KEY',
    kind: 'secret',
    default: '',
    doc: 'Forward protocol shared key; when set, clients must complete the HELO/PING/PONG handshake.',
  },
  {
    env: 'LOGHARBOR_FORWARD_USERS',
    kind: 'secret',
    default: '',
    doc: 'Forward protocol users, `name:password` separated by commas; needs the shared key.',
  },
  {
    env: 'LOGHARBOR_FORWARD_HOSTNAME',
    kind: 'string',
    default: 'logharbor',
    doc: 'Server hostname sent in PONG.',
  },
  {
    env: 'LOGHARBOR_API_TOKEN',
    kind: 'secret',
    default: '',
    doc: 'When set, the API and websocket demand `Authorization: Bearer <token>`.',
  },
  {
    env: 'LOGHARBOR_ALLOWED_HOSTS',
    kind: 'string',
    default: '',
    doc: "More names browsers may reach the page and API by (a reverse proxy's), comma-separated: `logs.example.com` on any port, `logs.example.com:8443` on that port only. Always allowed: `localhost`, loopback addresses and the address the client connected to; any other `Host` gets 421 `LH_HOST_NOT_ALLOWED` (DNS rebinding).",
  },
  {
    env: 'LOGHARBOR_ALLOWED_ORIGINS',
    kind: 'string',
    default: '',
    doc: "More origins (`https://logs.example.com`, comma-separated) whose pages may open the live tail and send state-changing requests; the page's own origin always may. A foreign or `null` `Origin` gets 403 `LH_ORIGIN_NOT_ALLOWED`.",
  },
  {
    env: 'LOGHARBOR_RETENTION',
    kind: 'duration',
    default: '7d',
    doc: 'Day partitions older than this are dropped.',
  },
  {
    env: 'LOGHARBOR_RETENTION_SIZE',
    kind: 'size',
    default: 'off',
    doc: 'Optional cap on the size of the stored logs (e.g. `20GB`); past it the oldest day partitions are dropped.',
  },
  {
    env: 'LOGHARBOR_LOG_LEVEL',
    kind: 'level',
    default: 'info',
    doc: "logharbor's own log level (trace, debug, info, warn, error, fatal).",
  },
  {
    env: 'LOGHARBOR_API_RATE_LIMIT',
    kind: 'int',
    default: '1200',
    doc: 'API requests per minute per client address (websocket upgrades included); past it 429. 0 turns it off.',
  },
  {
    env: 'LOGHARBOR_QUERY_TIMEOUT',
    kind: 'duration',
    default: '10s',
    doc: 'Longest a search, histogram or context query may run in PostgreSQL (statement_timeout); past it the API answers 503 LH_QUERY_TIMEOUT.',
  },
  {
    env: 'LOGHARBOR_ALERT_WEBHOOK_TIMEOUT',
    kind: 'duration',
    default: '10s',
    doc: 'Longest an alert webhook request may take; past it the attempt counts as failed and is retried.',
  },
  {
    env: 'LOGHARBOR_ALERT_RETRY_FOR',
    kind: 'duration',
    default: '24h',
    doc: 'A failing alert webhook is retried (backoff from 1 s, doubling to 5 min) for this long after the notification, then given up (shown as failed).',
  },
  {
    env: 'LOGHARBOR_DOCKER_HOST',
    kind: 'path',
    default: '/var/run/docker.sock',
    doc: "Docker Engine socket (a path or `unix:///path`) the API asks for each container's state, restarts and start/finish times; used when readable, else the list shows no state. `off` disables.",
  },
  {
    env: 'LOGHARBOR_BATCH_SIZE',
    kind: 'int',
    default: '4000',
    doc: 'Most records in one COPY batch.',
  },
  {
    env: 'LOGHARBOR_FLUSH_MS',
    kind: 'ms',
    default: 'auto',
    doc: 'Least time between the starts of two batches smaller than LOGHARBOR_BATCH_SIZE: a trickle of small requests becomes one transaction per this many ms instead of one each (a request after a quiet spell goes at once; under load what arrives during a commit forms the next batch). `auto`: 50 with acks after the spool, 0 with LOGHARBOR_FORWARD_ACK=commit (a client waiting for each ack is then never held by a timer).',
  },
  {
    env: 'LOGHARBOR_QUEUE_MAX',
    kind: 'int',
    default: '50000',
    doc: 'Records handed from the spool to the writer and not yet committed (the drain window); the spool holds the rest.',
  },
  {
    env: 'LOGHARBOR_MAX_FRAME_BYTES',
    kind: 'int',
    default: '16777216',
    doc: 'Largest forward request or syslog frame; a larger one closes that connection (or skips that syslog frame).',
  },
  {
    env: 'LOGHARBOR_MAX_DECOMPRESSED_BYTES',
    kind: 'int',
    default: '67108864',
    doc: 'Largest decompressed CompressedPackedForward payload (gzip bomb guard).',
  },
  {
    env: 'LOGHARBOR_MAX_CONNECTIONS',
    kind: 'int',
    default: '1024',
    doc: 'Open connections per listener; past it new connections are closed at once.',
  },
  {
    env: 'LOGHARBOR_MAX_CONNECTIONS_PER_PEER',
    kind: 'int',
    default: '256',
    doc: 'Open connections per listener from one peer address. Docker opens one per container, so keep it above the containers on one host.',
  },
  {
    env: 'LOGHARBOR_REQUEST_TIMEOUT',
    kind: 'duration',
    default: '60s',
    doc: 'A forward request or syslog frame that has begun must arrive whole within this; a sender dribbling bytes (slowloris) is disconnected.',
  },
  {
    env: 'LOGHARBOR_IDLE_TIMEOUT',
    kind: 'duration',
    default: '1h',
    doc: 'A connection silent this long is closed.',
  },
  {
    env: 'LOGHARBOR_HANDSHAKE_TIMEOUT',
    kind: 'duration',
    default: '10s',
    doc: 'Time allowed to complete the forward handshake or the TLS handshake.',
  },
  {
    env: 'LOGHARBOR_PARTIAL_TIMEOUT',
    kind: 'duration',
    default: '5s',
    doc: 'An unfinished Docker partial line is stored (marked) after this long.',
  },
  {
    env: 'LOGHARBOR_MAX_LINE_BYTES',
    kind: 'int',
    default: '1048576',
    doc: 'Longest joined partial line; past it the line is stored in pieces, marked.',
  },
  {
    env: 'LOGHARBOR_MULTILINE',
    kind: 'string',
    default: 'on',
    doc: 'Join stack traces and other multi-line messages, per container and stream, into one record (`attrs.multiline_parts`); `off` stores every line as it came.',
  },
  {
    env: 'LOGHARBOR_SPOOL_DIR',
    kind: 'path',
    default: '',
    doc: 'The local spool every listener writes to before acking (one per collector); unset means `spool` under `LOGHARBOR_DATA_DIR`.',
  },
  {
    env: 'LOGHARBOR_SPOOL_SYNC',
    kind: 'string',
    default: 'always',
    doc: '`always`: fdatasync (grouped) before acking; `interval`: fdatasync every `LOGHARBOR_SPOOL_SYNC_INTERVAL`; `off`: leave it to the OS. See "Durability" for what each survives.',
  },
  {
    env: 'LOGHARBOR_SPOOL_SYNC_INTERVAL',
    kind: 'duration',
    default: '500ms',
    doc: 'fdatasync period under `LOGHARBOR_SPOOL_SYNC=interval`.',
  },
  {
    env: 'LOGHARBOR_SPOOL_MAX_BYTES',
    kind: 'size',
    default: '4GB',
    doc: 'Most the spool holds while PostgreSQL is slow or away (about 9 hours at 2,000 lines/s); then `LOGHARBOR_SPOOL_WHEN_FULL` applies.',
  },
  {
    env: 'LOGHARBOR_SPOOL_SEGMENT_BYTES',
    kind: 'size',
    default: '64MB',
    doc: 'Size of each spool segment file, preallocated when made (so a sync never changes file metadata) and reused once drained.',
  },
  {
    env: 'LOGHARBOR_SPOOL_WHEN_FULL',
    kind: 'string',
    default: 'pause',
    doc: "`pause`: stop reading from TCP senders until there is room (Docker then holds its containers' writes); `drop`: refuse the newest requests (counted; forward requests get no ack). UDP always drops.",
  },
  {
    env: 'LOGHARBOR_FORWARD_ACK',
    kind: 'string',
    default: 'spool',
    doc: 'When a forward request with `option.chunk` is acked: `spool` (once the spool holds it) or `commit` (once PostgreSQL committed it, as before the spool).',
  },
] as const satisfies readonly Setting[];

export type SettingName = (typeof SETTINGS)[number]['env'];

export interface Config {
  databaseUrl: string | null;
  readDatabaseUrl: string | null;
  dataDir: string;
  httpAddr: Address | null;
  forwardAddr: Address | null;
  forwardTlsAddr: Address | null;
  forwardSocket: string | null;
  syslogUdpAddr: Address | null;
  syslogTcpAddr: Address | null;
  syslogTlsAddr: Address | null;
  syslogSocket: string | null;
  syslogDgramSocket: string | null;
  syslogTimezone: string;
  tlsCertFile: string | null;
  tlsKeyFile: string | null;
  tlsCaFile: string | null;
  sharedKey: string | null;
  forwardUsers: Map<string, string>;
  forwardHostname: string;
  apiToken: string | null;
  /** LOGHARBOR_ALLOWED_HOSTS: `name` or `name:port`, lower case (api/security/host-check.ts). */
  allowedHosts: string[];
  /** LOGHARBOR_ALLOWED_ORIGINS: `scheme://host[:port]`, lower case (api/security/origin-check.ts). */
  allowedOrigins: string[];
  retentionMs: number;
  /** Bytes, or null for no cap. */
  retentionBytes: number | null;
  logLevel: string;
  queryTimeoutMs: number;
  /** Requests per minute per client address; 0 is off. */
  apiRateLimit: number;
  /** The Docker Engine's unix socket, or null (off). */
  dockerSocket: string | null;
  alertWebhookTimeoutMs: number;
  alertRetryForMs: number;
  batchSize: number;
  flushMs: number;
  queueMax: number;
  maxFrameBytes: number;
  maxDecompressedBytes: number;
  maxConnections: number;
  maxConnectionsPerPeer: number;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  handshakeTimeoutMs: number;
  partialTimeoutMs: number;
  maxLineBytes: number;
  /** LOGHARBOR_MULTILINE: the multi-line joiner (collector/multiline/) is on. */
  multiline: boolean;
  spoolDir: string;
  spoolSync: 'always' | 'interval' | 'off';
  spoolSyncIntervalMs: number;
  spoolMaxBytes: number;
  spoolSegmentBytes: number;
  spoolWhenFull: 'pause' | 'drop';
  forwardAck: 'spool' | 'commit';
}

/** `value` if it is one of `choices`, else a clear error naming the variable. */
function oneOf<T extends string>(env: string, value: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  bad(env, `expected one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
}

/**
 * LOGHARBOR_FLUSH_MS=auto with acks after the spool: at most 20 small batches a second.
 * Measured (bench "An ack per event"): one transaction per event cost 2.2 ms of CPU per event.
 */
const AUTO_FLUSH_MS = 50;

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

function bad(env: string, why: string): never {
  throw new LogharborError(Errors.CONFIG_INVALID, `${env}: ${why}`);
}

/** `host:port`, `:port` or `port`; `off` (or empty) disables. IPv6 as `[::1]:port`. */
export function parseAddress(env: string, value: string): Address | null {
  const v = value.trim();
  if (v === '' || v.toLowerCase() === 'off') return null;
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(v) ?? /^()()(\d+)$/.exec(v);
  if (!m) bad(env, `expected host:port or "off", got ${JSON.stringify(value)}`);
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    bad(env, `port out of range in ${JSON.stringify(value)}`);
  return { host: m[1] || m[2] || '127.0.0.1', port };
}

/** `250ms`, `30s`, `15m`, `2h`, `7d`; a bare number is seconds. */
export function parseDuration(env: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)?$/.exec(value.trim());
  if (!m) bad(env, `expected a duration like 30s, 15m, 2h or 7d, got ${JSON.stringify(value)}`);
  const unit =
    { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] ?? 's'] ?? 1000;
  return Math.round(Number(m[1]) * unit);
}

/** `500MB`, `20GB`, `1TB` (powers of 1024), a bare number of bytes; `off` (or empty) is none. */
export function parseSize(env: string, value: string): number | null {
  const v = value.trim();
  if (v === '' || v.toLowerCase() === 'off') return null;
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb)?$/i.exec(v);
  if (!m) bad(env, `expected a size like 500MB or 20GB, or "off", got ${JSON.stringify(value)}`);
  const unit = { b: 0, kb: 1, mb: 2, gb: 3, tb: 4 }[(m[2] ?? 'b').toLowerCase()] ?? 0;
  const n = Math.round(Number(m[1]) * 1024 ** unit);
  if (!Number.isSafeInteger(n) || n < 1) bad(env, `must be at least 1 byte, got ${value}`);
  return n;
}

/** `off` (or empty): null; `unix:///path` or a path: the path. Only unix sockets. */
export function parseDockerHost(value: string): string | null {
  const v = value.trim();
  if (v === '' || v.toLowerCase() === 'off') return null;
  const p = v.startsWith('unix://') ? v.slice('unix://'.length) : v;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p) || !p.startsWith('/'))
    bad(
      'LOGHARBOR_DOCKER_HOST',
      `expected an absolute unix socket path (or unix:///path) or "off", got ${JSON.stringify(value)}`,
    );
  return p;
}

const HOST_ENTRY = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9_-]+(?:\.[a-z0-9_-]+)*)\.?)(?::(\d{1,5}))?$/;

/** One LOGHARBOR_ALLOWED_HOSTS entry, lower case and without a trailing dot, or null. */
function hostEntry(value: string): string | null {
  const m = HOST_ENTRY.exec(value.toLowerCase());
  if (!m || (m[1] !== undefined && !isIPv6(m[1])) || Number(m[3] ?? 0) > 65535) return null;
  const name = m[1] !== undefined ? `[${m[1]}]` : m[2]!;
  return m[3] === undefined ? name : `${name}:${m[3]}`;
}

/** Comma-separated entries, each normalised by `entry` or refused with an example. */
function parseList(
  env: string,
  value: string,
  entry: (v: string) => string | null,
  example: string,
): string[] {
  const out: string[] = [];
  for (const v of value.split(',').map((x) => x.trim())) {
    if (v === '') continue;
    const e = entry(v);
    if (e === null) bad(env, `expected entries like ${example}, got ${JSON.stringify(v)}`);
    out.push(e);
  }
  return out;
}

/** LOGHARBOR_ALLOWED_HOSTS: `name` or `name:port`, no wildcard (`*` would undo the check). */
function allowedHostList(value: string): string[] {
  return parseList(
    'LOGHARBOR_ALLOWED_HOSTS',
    value,
    hostEntry,
    '`logs.example.com` or `logs.example.com:8443`',
  );
}

/** LOGHARBOR_ALLOWED_ORIGINS: `http(s)://host[:port]` (a trailing `/` is dropped), no path. */
function allowedOriginList(value: string): string[] {
  const origin = (v: string) => {
    const m = /^(https?):\/\/([^/?#@\s]+)\/?$/i.exec(v);
    const host = m ? hostEntry(m[2]!) : null;
    return host === null ? null : `${m![1]!.toLowerCase()}://${host}`;
  };
  return parseList('LOGHARBOR_ALLOWED_ORIGINS', value, origin, '`https://logs.example.com`');
}

function parseInt10(env: string, value: string, min = 1): number {
  if (!/^\d+$/.test(value.trim()))
    bad(env, `expected a whole number, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) bad(env, `must be at least ${min}, got ${value}`);
  return n;
}

/** A secret comes from NAME, or from the file named by NAME_FILE (not both). */
function readRaw(env: SettingName, source: NodeJS.ProcessEnv, kind: Kind): string | undefined {
  const direct = source[env];
  const file = source[`${env}_FILE`];
  if (kind === 'secret' && file !== undefined && file !== '') {
    if (direct !== undefined && direct !== '')
      bad(env, `set either ${env} or ${env}_FILE, not both`);
    try {
      return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      bad(`${env}_FILE`, `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }
  return direct;
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const raw = {} as Record<SettingName, string>;
  for (const s of SETTINGS) {
    const v = readRaw(s.env, source, s.kind);
    raw[s.env] = v === undefined ? s.default : v;
    if (s.kind === 'level' && !LEVELS.has(raw[s.env]))
      bad(s.env, `expected one of ${[...LEVELS].join(', ')}`);
  }
  const addr = (env: SettingName) => parseAddress(env, raw[env]);
  const path = (env: SettingName) => (raw[env] === '' ? null : raw[env]);
  const int = (env: SettingName) => parseInt10(env, raw[env]);
  const dur = (env: SettingName) => parseDuration(env, raw[env]);

  const tlsCertFile = path('LOGHARBOR_TLS_CERT_FILE');
  const tlsKeyFile = path('LOGHARBOR_TLS_KEY_FILE');
  if ((tlsCertFile === null) !== (tlsKeyFile === null)) {
    bad(
      tlsCertFile ? 'LOGHARBOR_TLS_KEY_FILE' : 'LOGHARBOR_TLS_CERT_FILE',
      'TLS needs both a certificate and a key',
    );
  }
  const syslogTlsAddr =
    raw.LOGHARBOR_SYSLOG_TLS_ADDR === ''
      ? tlsCertFile
        ? { host: '127.0.0.1', port: 6514 }
        : null
      : addr('LOGHARBOR_SYSLOG_TLS_ADDR');
  const forwardTlsAddr = addr('LOGHARBOR_FORWARD_TLS_ADDR');
  if ((syslogTlsAddr || forwardTlsAddr) && !tlsCertFile) {
    bad(
      syslogTlsAddr ? 'LOGHARBOR_SYSLOG_TLS_ADDR' : 'LOGHARBOR_FORWARD_TLS_ADDR',
      'a TLS listener needs LOGHARBOR_TLS_CERT_FILE and LOGHARBOR_TLS_KEY_FILE',
    );
  }

  const tz = raw.LOGHARBOR_SYSLOG_TIMEZONE;
  if (tz !== 'local') {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
    } catch {
      bad(
        'LOGHARBOR_SYSLOG_TIMEZONE',
        `unknown time zone ${JSON.stringify(tz)} (use local, UTC or an IANA name like Europe/Berlin)`,
      );
    }
  }

  const sharedKey = raw.LOGHARBOR_SHARED_KEY === '' ? null : raw.LOGHARBOR_SHARED_KEY;
  const forwardUsers = new Map<string, string>();
  for (const pair of raw.LOGHARBOR_FORWARD_USERS.split(',').filter((p) => p.trim() !== '')) {
    const i = pair.indexOf(':');
    if (i <= 0) bad('LOGHARBOR_FORWARD_USERS', 'expected name:password pairs separated by commas');
    forwardUsers.set(pair.slice(0, i).trim(), pair.slice(i + 1));
  }
  if (forwardUsers.size > 0 && !sharedKey)
    bad('LOGHARBOR_FORWARD_USERS', 'users need LOGHARBOR_SHARED_KEY');

  const forwardAck = oneOf('LOGHARBOR_FORWARD_ACK', raw.LOGHARBOR_FORWARD_ACK, [
    'spool',
    'commit',
  ] as const);
  return {
    databaseUrl: raw.DATABASE_URL === '' ? null : raw.DATABASE_URL,
    readDatabaseUrl:
      raw.LOGHARBOR_READ_DATABASE_URL === '' ? null : raw.LOGHARBOR_READ_DATABASE_URL,
    dataDir: raw.LOGHARBOR_DATA_DIR,
    httpAddr: addr('LOGHARBOR_HTTP_ADDR'),
    forwardAddr: addr('LOGHARBOR_FORWARD_ADDR'),
    forwardTlsAddr,
    forwardSocket: path('LOGHARBOR_FORWARD_SOCKET'),
    syslogUdpAddr: addr('LOGHARBOR_SYSLOG_UDP_ADDR'),
    syslogTcpAddr: addr('LOGHARBOR_SYSLOG_TCP_ADDR'),
    syslogTlsAddr,
    syslogSocket: path('LOGHARBOR_SYSLOG_SOCKET'),
    syslogDgramSocket: path('LOGHARBOR_SYSLOG_DGRAM_SOCKET'),
    syslogTimezone: raw.LOGHARBOR_SYSLOG_TIMEZONE,
    tlsCertFile,
    tlsKeyFile,
    tlsCaFile: path('LOGHARBOR_TLS_CA_FILE'),
    sharedKey,
    forwardUsers,
    forwardHostname: raw.LOGHARBOR_FORWARD_HOSTNAME,
    apiToken: raw.LOGHARBOR_API_TOKEN === '' ? null : raw.LOGHARBOR_API_TOKEN,
    allowedHosts: allowedHostList(raw.LOGHARBOR_ALLOWED_HOSTS),
    allowedOrigins: allowedOriginList(raw.LOGHARBOR_ALLOWED_ORIGINS),
    retentionMs: dur('LOGHARBOR_RETENTION'),
    retentionBytes: parseSize('LOGHARBOR_RETENTION_SIZE', raw.LOGHARBOR_RETENTION_SIZE),
    logLevel: raw.LOGHARBOR_LOG_LEVEL,
    queryTimeoutMs: dur('LOGHARBOR_QUERY_TIMEOUT'),
    apiRateLimit: parseInt10('LOGHARBOR_API_RATE_LIMIT', raw.LOGHARBOR_API_RATE_LIMIT, 0),
    dockerSocket: parseDockerHost(raw.LOGHARBOR_DOCKER_HOST),
    alertWebhookTimeoutMs: dur('LOGHARBOR_ALERT_WEBHOOK_TIMEOUT'),
    alertRetryForMs: dur('LOGHARBOR_ALERT_RETRY_FOR'),
    batchSize: int('LOGHARBOR_BATCH_SIZE'),
    flushMs:
      raw.LOGHARBOR_FLUSH_MS.trim() === 'auto'
        ? forwardAck === 'commit'
          ? 0
          : AUTO_FLUSH_MS
        : parseInt10('LOGHARBOR_FLUSH_MS', raw.LOGHARBOR_FLUSH_MS, 0),
    queueMax: int('LOGHARBOR_QUEUE_MAX'),
    maxFrameBytes: int('LOGHARBOR_MAX_FRAME_BYTES'),
    maxDecompressedBytes: int('LOGHARBOR_MAX_DECOMPRESSED_BYTES'),
    maxConnections: int('LOGHARBOR_MAX_CONNECTIONS'),
    maxConnectionsPerPeer: int('LOGHARBOR_MAX_CONNECTIONS_PER_PEER'),
    requestTimeoutMs: dur('LOGHARBOR_REQUEST_TIMEOUT'),
    idleTimeoutMs: dur('LOGHARBOR_IDLE_TIMEOUT'),
    handshakeTimeoutMs: dur('LOGHARBOR_HANDSHAKE_TIMEOUT'),
    partialTimeoutMs: dur('LOGHARBOR_PARTIAL_TIMEOUT'),
    maxLineBytes: int('LOGHARBOR_MAX_LINE_BYTES'),
    multiline:
      oneOf('LOGHARBOR_MULTILINE', raw.LOGHARBOR_MULTILINE, ['on', 'off'] as const) === 'on',
    spoolDir: path('LOGHARBOR_SPOOL_DIR') ?? joinPath(raw.LOGHARBOR_DATA_DIR, 'spool'),
    spoolSync: oneOf('LOGHARBOR_SPOOL_SYNC', raw.LOGHARBOR_SPOOL_SYNC, [
      'always',
      'interval',
      'off',
    ] as const),
    spoolSyncIntervalMs: dur('LOGHARBOR_SPOOL_SYNC_INTERVAL'),
    spoolMaxBytes:
      parseSize('LOGHARBOR_SPOOL_MAX_BYTES', raw.LOGHARBOR_SPOOL_MAX_BYTES) ??
      bad('LOGHARBOR_SPOOL_MAX_BYTES', 'the spool needs a size'),
    spoolSegmentBytes:
      parseSize('LOGHARBOR_SPOOL_SEGMENT_BYTES', raw.LOGHARBOR_SPOOL_SEGMENT_BYTES) ??
      bad('LOGHARBOR_SPOOL_SEGMENT_BYTES', 'segments need a size'),
    spoolWhenFull: oneOf('LOGHARBOR_SPOOL_WHEN_FULL', raw.LOGHARBOR_SPOOL_WHEN_FULL, [
      'pause',
      'drop',
    ] as const),
    forwardAck,
  };
}

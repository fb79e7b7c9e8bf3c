/**
 * What the syslog integration tests share: raw bytes to a running logharbor over UDP,
 * TCP and TLS, the stored rows read back in a shape a test can compare whole (the time
 * as text to the microsecond, as PostgreSQL keeps it), and expected times computed the
 * way a person reads a syslog header, never by calling the code under test.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import type { Harness } from '../../support/harness.js';
import { storedRows as decodedRows } from '../../../dev/stored-rows.js';

const HOST = '127.0.0.1';

/** One datagram each, in order (RFC 5426 section 3.1: one message per datagram). */
export async function sendUdp(port: number, datagrams: Buffer[]): Promise<void> {
  const sock = dgram.createSocket('udp4');
  try {
    for (const d of datagrams) {
      await new Promise<void>((resolve, reject) =>
        sock.send(d, port, HOST, (e) => (e ? reject(e) : resolve())),
      );
    }
  } finally {
    await new Promise<void>((resolve) => sock.close(() => resolve()));
  }
}

/** Writes each chunk as its own write on one connection, ends it, waits for the close. */
async function streamOut(socket: net.Socket, chunks: Buffer[]): Promise<void> {
  const closed = new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('close', () => resolve());
  });
  for (const c of chunks) {
    await new Promise<void>((resolve, reject) =>
      socket.write(c, (e) => (e ? reject(e) : resolve())),
    );
  }
  socket.end();
  socket.resume(); // the server sends nothing, but its FIN must be read for 'close'
  await closed;
}

export async function sendTcp(port: number, chunks: Buffer[]): Promise<void> {
  const socket = net.connect(port, HOST);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  await streamOut(socket, chunks);
}

/** RFC 5425 (syslog over TLS), the server verified against `ca`. */
export async function sendTls(port: number, ca: Buffer, chunks: Buffer[]): Promise<void> {
  const socket = tls.connect({ host: HOST, port, ca });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  await streamOut(socket, chunks);
}

/** A capture of datagrams stored back to back, each ending in LF, split back into datagrams. */
export function splitAfterLf(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, start)) {
    out.push(bytes.subarray(start, i + 1));
    start = i + 1;
  }
  if (start < bytes.length) out.push(bytes.subarray(start));
  return out;
}

/** A row of `logs` without id and received_at; `ts` as `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
export interface Row {
  ts: string;
  ts_ns: number;
  source: string;
  host: string | null;
  container_id: string | null;
  container_name: string | null;
  stream: string | null;
  tag: string | null;
  app: string | null;
  project: string | null;
  service: string | null;
  severity: number | null;
  facility: number | null;
  message: string;
  attrs: Record<string, unknown> | null;
}

const COLUMNS = `to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts, ts_ns,
  source, host, container_id, container_name, stream, tag, app, project, service, severity,
  facility, message, attrs`;

/** The rows matching `where` in arrival order, once at least `count` exist (bounded wait). */
export async function storedRows(
  h: Harness,
  where: string,
  count: number,
  timeoutMs?: number,
): Promise<Row[]> {
  await h.waitForRows(count, where, timeoutMs);
  const r = await h.pool.query<Row>(
    `SELECT ${COLUMNS} FROM ${await decodedRows(h.pool)} WHERE ${where} ORDER BY id`,
  );
  return r.rows;
}

/** An expected syslog row: every column not given is NULL (ts_ns 0). */
export function row(fields: Partial<Row> & Pick<Row, 'ts' | 'message'>): Row {
  return {
    ts_ns: 0,
    source: 'syslog',
    host: null,
    container_id: null,
    container_name: null,
    stream: null,
    tag: null,
    app: null,
    project: null,
    service: null,
    severity: null,
    facility: null,
    attrs: null,
    ...fields,
  };
}

/** Whole seconds (ms since the epoch) plus a fraction as written, to the stored text and ts_ns. */
function stored(ms: number, fraction: string): { ts: string; ts_ns: number } {
  const f = fraction.padEnd(9, '0').slice(0, 9);
  return {
    ts: `${new Date(ms).toISOString().slice(0, 19)}.${f.slice(0, 6)}Z`,
    ts_ns: Number(f.slice(6)),
  };
}

/** An RFC 3339 stamp (RFC 5424 section 6.2.3) as PostgreSQL stores it. */
export function fromRfc3339(stamp: string): { ts: string; ts_ns: number } {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|([+-])(\d\d):(\d\d))$/.exec(
    stamp,
  );
  if (!m) throw new Error(`not an RFC 3339 stamp: ${stamp}`);
  const [, y, mo, d, h, mi, s, frac = '', zone, sign, oh, om] = m;
  const offsetMin = zone === 'Z' ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return stored(wall - offsetMin * 60_000, frac);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** How far after its arrival a line's time may be (clock skew) before it is read as last year's. */
const SKEW_MS = 31 * 86_400_000;

/**
 * An RFC 3164 stamp ("Nov 28 06:23:48", day padded with a space or not) read in `zone`,
 * its year the one a person would pick: the latest year in which that moment is not
 * after `now` by more than a month of clock skew (docs/architecture.md, "Ingest: syslog":
 * a December line received in January is last year's).
 */
export function fromBsd(
  stamp: string,
  zone: 'UTC' | 'local',
  now: number,
): { ts: string; ts_ns: number } {
  const m = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d)$/.exec(stamp);
  const month = MONTHS.indexOf(m?.[1] ?? '');
  if (!m || month < 0) throw new Error(`not an RFC 3164 stamp: ${stamp}`);
  const at = (year: number): number => {
    const parts = [year, month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])] as const;
    return zone === 'UTC' ? Date.UTC(...parts) : new Date(...parts).getTime();
  };
  let year = new Date(now).getUTCFullYear() + 1;
  while (at(year) > now + SKEW_MS) year--;
  return stored(at(year), '');
}

/** The `GET /metrics` value of the sample of `name` with these labels; 0 when absent. */
export async function metric(
  h: Harness,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const res = await h.app.inject({ method: 'GET', url: '/metrics' });
  for (const line of res.body.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const wanted = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (wanted) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

/** The `GET /api/sources` entry of one listener. */
export async function source(h: Harness, listener: string): Promise<Record<string, unknown>> {
  const res = await h.app.inject({ method: 'GET', url: '/api/sources' });
  const body = res.json<{ listeners: Record<string, unknown>[] }>();
  const found = body.listeners.find((l) => l.listener === listener);
  if (!found) throw new Error(`no listener ${listener} in /api/sources: ${res.body}`);
  return found;
}

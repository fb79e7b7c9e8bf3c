/**
 * Forward Protocol v1, "Handshake Messages", server side:
 *
 *   server ── HELO  ['HELO', {nonce, auth, keepalive}]                           ──► client
 *   client ── PING  ['PING', client_hostname, shared_key_salt,
 *                    sha512_hex(shared_key_salt + client_hostname + nonce + shared_key),
 *                    username, sha512_hex(auth_salt + username + password)]     ──► server
 *   server ── PONG  ['PONG', true, '', server_hostname,
 *                    sha512_hex(shared_key_salt + server_hostname + nonce + shared_key)]
 *            or     ['PONG', false, reason, '', '']  and close                   ──► client
 *
 * Digests are over the bytes received (salts and hostnames may come as str or bin) and are
 * compared in constant time. nonce and auth are sent as bin, as Fluentd does (random bytes
 * are binary strings in Ruby): fluent-logger-node only sends credentials when `auth` decodes
 * to a non-empty Buffer. With no users configured `auth` is '' and username/password are not
 * checked (fluent-logger-node then sends '' or nil for them). Failure reasons are Fluentd's.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Packr } from 'msgpackr';

const packr = new Packr({ useRecords: false, variableMapSize: true });

export interface HeloOptions {
  nonce: Buffer;
  /** Salt for user passwords; null when no users are configured. */
  authSalt: Buffer | null;
  keepalive: boolean;
}

export function buildHelo(opts: HeloOptions): Buffer {
  return packr.pack([
    'HELO',
    { nonce: opts.nonce, auth: opts.authSalt ?? '', keepalive: opts.keepalive },
  ]);
}

export interface PingContext {
  nonce: Buffer;
  authSalt: Buffer | null;
  sharedKey: string;
  /** username -> password; null: no user authentication. */
  users: Map<string, string> | null;
  serverHostname: string;
}

export type PingResult =
  { ok: true; clientHostname: string; sharedKeySalt: Buffer } | { ok: false; reason: string };

/** Bytes of a str/bin field, or null for anything else. */
function bytesOf(v: unknown): Buffer | null {
  if (Buffer.isBuffer(v)) return v;
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  return null;
}

function sha512Hex(parts: (Buffer | string)[]): Buffer {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return Buffer.from(h.digest('hex'), 'latin1');
}

/** Constant-time equality of a received hex digest with the expected one. */
function digestMatches(received: Buffer | null, expected: Buffer): boolean {
  if (received === null || received.length !== expected.length) return false;
  return timingSafeEqual(received, expected);
}

export function verifyPing(ping: unknown[], ctx: PingContext): PingResult {
  if (ping.length !== 6 || bytesOf(ping[0])?.toString('latin1') !== 'PING') {
    return { ok: false, reason: 'invalid ping message' };
  }
  const hostname = bytesOf(ping[1]);
  const salt = bytesOf(ping[2]);
  if (hostname === null || salt === null) return { ok: false, reason: 'invalid ping message' };
  const expected = sha512Hex([salt, hostname, ctx.nonce, ctx.sharedKey]);
  if (!digestMatches(bytesOf(ping[3]), expected)) {
    return { ok: false, reason: 'shared_key mismatch' };
  }
  if (ctx.users !== null) {
    const username = bytesOf(ping[4]);
    const password = username === null ? undefined : ctx.users.get(username.toString('utf8'));
    // Hash even for an unknown user, so the reply time does not tell which users exist.
    const passDigest = sha512Hex([ctx.authSalt ?? '', username ?? '', password ?? '']);
    if (!digestMatches(bytesOf(ping[5]), passDigest) || password === undefined) {
      return { ok: false, reason: 'username/password mismatch' };
    }
  }
  return { ok: true, clientHostname: hostname.toString('utf8'), sharedKeySalt: Buffer.from(salt) };
}

/**
 * PONG for a verified PING (`ok`), or the failure answer. `sharedKeySalt` is the PING's salt
 * (verifyPing returns it as a Buffer; the raw PING element, str or bin, works too); it is
 * unused on failure, and a PONG cannot claim success without one.
 */
export function buildPong(
  ok: boolean,
  reason: string,
  serverHostname: string,
  sharedKeySalt: unknown,
  nonce: Buffer,
  sharedKey: string,
): Buffer {
  const salt = bytesOf(sharedKeySalt);
  if (!ok || salt === null) {
    return packr.pack(['PONG', false, ok ? 'invalid ping message' : reason, '', '']);
  }
  const digest = sha512Hex([salt, serverHostname, nonce, sharedKey]).toString('latin1');
  return packr.pack(['PONG', true, '', serverHostname, digest]);
}

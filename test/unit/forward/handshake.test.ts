/**
 * The handshake against the real client code: fluent-logger-node's FluentSender reads our
 * HELO (_checkHelo), builds its PING (_generatePing) and checks our PONG (_checkPong), with
 * no socket in between.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeRequest } from '../../../collector/forward/decode.js';
import { ForwardFramer } from '../../../collector/forward/framer.js';
import {
  buildHelo,
  buildPong,
  verifyPing,
  type PingContext,
} from '../../../collector/forward/handshake.js';
import { arr, bin, cat, limits, str } from '../../support/msgpack-bytes.js';

interface Sender {
  _checkHelo(data: Buffer): { succeeded: boolean };
  _generatePing(): Buffer;
  _checkPong(data: Buffer): { succeeded: boolean; message?: string };
}
type SenderClass = new (tag: string, options: Record<string, unknown>) => Sender;
const FluentSender = createRequire(import.meta.url)('fluent-logger/lib/sender.js') as SenderClass;

const quiet = { info: () => {}, error: () => {} };
const SHARED_KEY = 'very-secret-shared-key';
const SERVER = 'collector.example';

function sender(security: Record<string, unknown>): Sender {
  return new FluentSender('app', { internalLogger: quiet, security });
}

/** HELO -> PING -> verify, through the framer and decoder as the connection will do it. */
function handshake(client: Sender, users: Map<string, string> | null, sharedKey = SHARED_KEY) {
  const nonce = randomBytes(16);
  const authSalt = users === null ? null : randomBytes(16);
  expect(client._checkHelo(buildHelo({ nonce, authSalt, keepalive: true })).succeeded).toBe(true);
  const framer = new ForwardFramer(4096);
  const [frame, ...rest] = framer.push(client._generatePing());
  expect(rest).toEqual([]);
  const req = decodeRequest(frame!, framer.mode!, limits);
  expect(req.kind).toBe('handshake');
  const ctx: PingContext = { nonce, authSalt, sharedKey, users, serverHostname: SERVER };
  return { ctx, result: verifyPing(req.handshake!, ctx) };
}

describe('HELO', () => {
  it('sends nonce and auth as bin, and keepalive', () => {
    const nonce = randomBytes(16);
    const auth = randomBytes(16);
    expect(unpack(buildHelo({ nonce, authSalt: auth, keepalive: true }))).toEqual([
      'HELO',
      { nonce, auth, keepalive: true },
    ]);
    expect(unpack(buildHelo({ nonce, authSalt: null, keepalive: false }))).toEqual([
      'HELO',
      { nonce, auth: '', keepalive: false },
    ]);
  });
});

describe('PING / PONG with fluent-logger-node', () => {
  const client = { clientHostname: 'client.example', sharedKey: SHARED_KEY };

  it('accepts a shared-key-only client, and the client accepts our PONG', () => {
    const c = sender({ ...client, username: '', password: '' });
    const { ctx, result } = handshake(c, null);
    expect(result).toMatchObject({ ok: true, clientHostname: 'client.example' });
    if (!result.ok) return;
    const pong = buildPong(true, '', SERVER, result.sharedKeySalt, ctx.nonce, SHARED_KEY);
    expect(c._checkPong(pong)).toEqual({ succeeded: true });
  });

  it('accepts a client that sends nil username when no users are configured', () => {
    expect(handshake(sender(client), null).result.ok).toBe(true);
  });

  it('accepts the right username and password', () => {
    const users = new Map([['alice', 'wonderland']]);
    const c = sender({ ...client, username: 'alice', password: 'wonderland' });
    const { ctx, result } = handshake(c, users);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(
      c._checkPong(buildPong(true, '', SERVER, result.sharedKeySalt, ctx.nonce, SHARED_KEY)),
    ).toEqual({
      succeeded: true,
    });
  });

  it.each([
    ['a wrong password', { username: 'alice', password: 'nope' }],
    ['an unknown user', { username: 'mallory', password: 'wonderland' }],
    ['no username at all', {}],
  ])('refuses %s with Fluentd’s reason', (_name, creds) => {
    const users = new Map([['alice', 'wonderland']]);
    const { result } = handshake(sender({ ...client, ...creds }), users);
    expect(result).toEqual({ ok: false, reason: 'username/password mismatch' });
  });

  it('refuses a wrong shared key, and the client reads the failure PONG', () => {
    const c = sender({ ...client, sharedKey: 'another key' });
    const { ctx, result } = handshake(c, null);
    expect(result).toEqual({ ok: false, reason: 'shared_key mismatch' });
    if (result.ok) return;
    const pong = buildPong(false, result.reason, SERVER, Buffer.alloc(0), ctx.nonce, SHARED_KEY);
    expect(unpack(pong)).toEqual(['PONG', false, 'shared_key mismatch', '', '']);
    expect(c._checkPong(pong)).toEqual({
      succeeded: false,
      message: 'Authentication failed: shared_key mismatch',
    });
  });

  it('makes a PONG the client refuses when the keys differ', () => {
    const c = sender(client);
    const { ctx, result } = handshake(c, null);
    if (!result.ok) throw new Error('handshake failed');
    const pong = buildPong(true, '', SERVER, result.sharedKeySalt, ctx.nonce, 'other key');
    expect(c._checkPong(pong)).toEqual({ succeeded: false, message: 'Sharedkey mismatch' });
  });
});

describe('verifyPing on raw bytes', () => {
  const nonce = Buffer.from('0123456789abcdef');
  const ctx: PingContext = {
    nonce,
    authSalt: null,
    sharedKey: 'k',
    users: null,
    serverHostname: SERVER,
  };
  const hex = (...parts: Buffer[]) => {
    const h = createHash('sha512');
    for (const p of parts) h.update(p);
    return h.digest('hex');
  };

  it('hashes a bin salt that is not UTF-8 as the bytes received, and the PONG over them', () => {
    const salt = Buffer.from([0xff, 0xfe, 0x00, 0x80]);
    const digest = hex(salt, Buffer.from('h'), nonce, Buffer.from('k'));
    const ping = cat(arr(6), str('PING'), str('h'), bin(salt), str(digest), str(''), str(''));
    const req = decodeRequest(ping, 'msgpack', limits);
    const result = verifyPing(req.handshake!, ctx);
    expect(result).toEqual({ ok: true, clientHostname: 'h', sharedKeySalt: salt });
    const pong = unpack(buildPong(true, '', SERVER, salt, nonce, 'k')) as unknown[];
    expect(pong).toEqual([
      'PONG',
      true,
      '',
      SERVER,
      hex(salt, Buffer.from(SERVER), nonce, Buffer.from('k')),
    ]);
  });

  it.each([
    ['5 elements', ['PING', 'h', 's', 'd', '']],
    ['another type', ['PONG', 'h', 's', 'd', '', '']],
    ['a numeric hostname', ['PING', 1, 's', 'd', '', '']],
    ['a missing salt', ['PING', 'h', null, 'd', '', '']],
  ])('refuses %s as an invalid ping', (_name, ping) => {
    expect(verifyPing(ping, ctx)).toEqual({ ok: false, reason: 'invalid ping message' });
  });

  it('refuses a digest of the wrong length or type without throwing', () => {
    for (const d of ['abc', 42, null, 'A'.repeat(128)]) {
      expect(verifyPing(['PING', 'h', 's', d, '', ''], ctx)).toEqual({
        ok: false,
        reason: 'shared_key mismatch',
      });
    }
  });

  it('never reports success in a PONG without a salt', () => {
    expect(unpack(buildPong(true, '', SERVER, 42, nonce, 'k'))).toEqual([
      'PONG',
      false,
      'invalid ping message',
      '',
      '',
    ]);
  });
});

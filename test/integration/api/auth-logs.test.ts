/**
 * Refused credentials are logged, and secrets never are. A real logharbor with an API
 * token, a forward shared key and a forward user, its log captured at trace level: a
 * missing or wrong API token (HTTP and websocket) gets 401 and one warn line naming the
 * peer, the route and LH_UNAUTHORIZED; a wrong shared key or password gets a warn line
 * with the peer and the reason; right credentials work; and none of the token, key or
 * password values, right or wrong, appears anywhere in the captured output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../support/harness.js';
import { captureLog, type CapturedLog } from './captured-log.js';
import { closeWs, get, upgrade } from './peer-client.js';
import { createFluentSender } from '../../support/fluent-logger.js';

const TOKEN = 'tok-RIGHT-4b1d9e07';
const WRONG_TOKEN = 'tok-WRONG-c3f0aa51';
const KEY = 'key-SHARED-77ac02f3';
const WRONG_KEY = 'key-WRONG-1e5d9b88';
const PASSWORD = 'pw-ALICE-90e1c4d2';
const WRONG_PASSWORD = 'pw-GUESS-5a7f3e60';
const SECRETS = [TOKEN, WRONG_TOKEN, KEY, WRONG_KEY, PASSWORD, WRONG_PASSWORD];

describe('auth refusals in the log', () => {
  let h: Harness;
  let cap: CapturedLog;
  beforeAll(async () => {
    cap = captureLog('trace');
    h = await startHarness(
      {
        LOGHARBOR_API_TOKEN: TOKEN,
        LOGHARBOR_SHARED_KEY: KEY,
        LOGHARBOR_FORWARD_USERS: `alice:${PASSWORD}`,
        LOGHARBOR_HANDSHAKE_TIMEOUT: '3s',
      },
      cap.log,
    );
  });
  afterAll(async () => h.close());

  const refusals = (peer: string) =>
    cap.entries().filter((e) => e.code === 'LH_UNAUTHORIZED' && e.peer === peer);

  it('refuses a missing or wrong token over HTTP and warns once for the peer', async () => {
    const from = '127.0.0.2';
    const url = `${h.httpUrl}/api/logs`;
    for (const r of [
      await get(url, from),
      await get(url, from, { authorization: `Bearer ${WRONG_TOKEN}` }),
      await get(`${url}?token=${WRONG_TOKEN}`, from),
      await get(`${url}?token=${WRONG_TOKEN}&token=${TOKEN}`, from),
    ]) {
      expect(r.status).toBe(401);
      expect(r.json()).toMatchObject({ error: { code: 'LH_UNAUTHORIZED' } });
    }
    const lines = refusals(from);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      route: '/api/logs',
      method: 'GET',
      reason: 'no token',
      websocket: false,
    });
  });

  it('refuses a wrong token on the websocket upgrade and warns with the route', async () => {
    const from = '127.0.0.3';
    const r = await upgrade(`${h.httpUrl}/api/tail?token=${WRONG_TOKEN}`, from);
    expect(r.status).toBe(401);
    expect(h.hub.clients).toBe(0);
    expect(refusals(from)).toEqual([
      expect.objectContaining({
        level: 40,
        route: '/api/tail',
        reason: 'wrong token',
        websocket: true,
      }),
    ]);
  });

  it('guards a route however its path is spelled (percent-encoded)', async () => {
    const from = '127.0.0.4';
    expect((await get(`${h.httpUrl}/%61pi/sources`, from)).status).toBe(401);
    expect((await get(`${h.httpUrl}/%6detrics`, from)).status).toBe(401);
    expect(refusals(from)).toEqual([expect.objectContaining({ route: '/api/sources' })]);
  });

  it('lets the right token in (header, any-case scheme, ?token=, websocket) and logs nothing', async () => {
    const from = '127.0.0.5';
    for (const r of [
      await get(`${h.httpUrl}/api/sources`, from, { authorization: `Bearer ${TOKEN}` }),
      await get(`${h.httpUrl}/api/sources`, from, { authorization: `bearer ${TOKEN}` }),
      await get(`${h.httpUrl}/api/sources?token=${TOKEN}`, from),
      await get(`${h.httpUrl}/metrics`, from, { authorization: `Bearer ${TOKEN}` }),
    ])
      expect(r.status).toBe(200);
    const ws = await upgrade(`${h.httpUrl}/api/tail?token=${TOKEN}`, from);
    expect(ws.status).toBe(101);
    await closeWs(ws.ws!);
    expect(refusals(from)).toEqual([]);
  });

  const forwardSender = (security: Record<string, string>) =>
    createFluentSender('app', {
      host: '127.0.0.1',
      port: h.forwardPort,
      timeout: 1,
      requireAckResponse: true,
      ackResponseTimeout: 1500,
      reconnectInterval: 100_000,
      security: { clientHostname: 'client.example', username: 'alice', ...security },
    });

  for (const [label, security, reason] of [
    ['a wrong shared key', { sharedKey: WRONG_KEY, password: PASSWORD }, 'shared_key mismatch'],
    [
      'a wrong password',
      { sharedKey: KEY, password: WRONG_PASSWORD },
      'username/password mismatch',
    ],
  ] as const) {
    it(`warns about ${label} with the peer and the reason`, async () => {
      const sender = forwardSender(security);
      const failed = new Promise<Error>((resolve) => sender.on('error', resolve));
      sender.emit('refused', { message: 'nope' }, () => undefined);
      await failed;
      sender.end();
      const lines = cap
        .entries()
        .filter((e) => e.listener === 'forward-tcp' && String(e.reason).includes(reason));
      expect(lines).toEqual([
        expect.objectContaining({
          level: 40,
          remote: '127.0.0.1',
          reason: `handshake refused: ${reason}`,
        }),
      ]);
    });
  }

  it('stores events sent with the right key and password', async () => {
    const sender = forwardSender({ sharedKey: KEY, password: PASSWORD });
    sender.on('error', () => undefined);
    await new Promise<void>((resolve, reject) =>
      sender.emit('ok', { message: 'welcome' }, (e) => (e ? reject(e) : resolve())),
    );
    sender.end();
    expect(await h.waitForRows(1, `tag = 'app.ok'`)).toHaveLength(1);
  });

  it('never wrote a token, key or password, right or wrong, to the log', () => {
    // The capture works: it holds the refusals checked above.
    expect(cap.lines.filter((l) => l.includes('LH_UNAUTHORIZED')).length).toBeGreaterThan(0);
    const all = cap.lines.join('');
    for (const s of SECRETS)
      expect({ secret: s, found: all.includes(s) }).toEqual({
        secret: s,
        found: false,
      });
  });
});

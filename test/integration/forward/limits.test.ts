/**
 * Every limit a forward peer can run into, and what happens past it: the offending
 * connection is closed (or the request dropped), the error is counted, and every other
 * connection and every committed row is untouched.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { unpackMultiple } from 'msgpackr';
import { arr, bin, cat, pack, str } from '../../support/msgpack-bytes.js';
import { rawClient } from '../../support/raw-client.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { storedRows } from '../../../dev/stored-rows.js';

const T = 1_764_300_000;
const message = (tag: string, log: string, chunk?: string) =>
  cat(arr(chunk ? 4 : 3), str(tag), pack(T), pack({ log }), ...(chunk ? [pack({ chunk })] : []));

describe('forward limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      LOGHARBOR_MAX_FRAME_BYTES: '4096',
      LOGHARBOR_MAX_DECOMPRESSED_BYTES: '65536',
      LOGHARBOR_MAX_CONNECTIONS: '4',
      LOGHARBOR_IDLE_TIMEOUT: '400ms',
    });
  });
  afterAll(async () => h.close());

  const health = () => h.telemetry.listenerHealth().find((l) => l.listener === 'forward-tcp')!;
  const count = async () =>
    (await h.pool.query(`SELECT count(*)::int AS n FROM ${await storedRows(h.pool)}`)).rows[0]
      .n as number;

  it('a request over LOGHARBOR_MAX_FRAME_BYTES closes that connection; a neighbour is unaffected', async () => {
    const neighbour = await rawClient(h.forwardPort);
    await neighbour.write(message('lim', 'before', 'n1'));
    await neighbour.until((b) => b.length > 0);
    const big = await rawClient(h.forwardPort);
    await big.write(message('lim', 'x'.repeat(10_000)));
    await big.closed;
    expect(health().lastError).toMatch(/4096/);
    await neighbour.write(message('lim', 'after', 'n2'));
    await neighbour.until((b) => (unpackMultiple(b) as unknown[]).length === 2);
    expect((await h.rows(`tag = 'lim'`)).map((r) => r.message)).toEqual(['before', 'after']);
    neighbour.end();
  });

  it('a gzip bomb past LOGHARBOR_MAX_DECOMPRESSED_BYTES drops that request only, unacked', async () => {
    const bomb = gzipSync(Buffer.alloc(1 << 20));
    expect(bomb.length).toBeLessThan(4096);
    const c = await rawClient(h.forwardPort);
    await c.write(cat(arr(3), str('bomb'), bin(bomb), pack({ compressed: 'gzip', chunk: 'b1' })));
    await c.write(message('bomb', 'next request', 'b2'));
    const acks = unpackMultiple(await c.until((b) => b.length > 0)) as { ack: string }[];
    expect(acks).toEqual([{ ack: 'b2' }]);
    expect(health().lastError).toMatch(/decompress|65536/i);
    expect((await h.rows(`tag = 'bomb'`)).map((r) => r.message)).toEqual(['next request']);
    c.end();
  });

  it('past LOGHARBOR_MAX_CONNECTIONS new connections are closed at once', async () => {
    // The limit counts what the server has accepted, not what clients have connected:
    // the earlier tests' connections must have left that count and these four be in it
    // before the fifth comes.
    const accepted = (n: number) =>
      vi.waitFor(() => expect(health().connections).toBe(n), { timeout: 10_000, interval: 5 });
    await accepted(0);
    const open = await Promise.all([1, 2, 3, 4].map(() => rawClient(h.forwardPort)));
    await accepted(4);
    const extra = await rawClient(h.forwardPort);
    await extra.closed;
    expect(health().lastError).toMatch(/connection limit 4/);
    for (const c of open) expect(c.isClosed()).toBe(false);
    for (const c of open) c.end();
    await Promise.all(open.map((c) => c.closed));
  });

  it('a connection idle past LOGHARBOR_IDLE_TIMEOUT is closed', async () => {
    // Without the idle timeout the server would hold it open and this would time out.
    const c = await rawClient(h.forwardPort);
    await c.closed;
    expect(c.received()).toHaveLength(0);
  });

  it('random bytes close only their own connection; committed rows stay, the server keeps serving', async () => {
    const before = await count();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), async (junk) => {
        const c = await rawClient(h.forwardPort);
        await c.write(Buffer.from(junk));
        c.end();
        await c.closed;
      }),
      { numRuns: 40 },
    );
    expect(await count()).toBeGreaterThanOrEqual(before);
    const c = await rawClient(h.forwardPort);
    await c.write(message('alive', 'still serving', 'a1'));
    await c.until((b) => b.length > 0);
    expect((await h.rows(`tag = 'alive'`)).map((r) => r.message)).toEqual(['still serving']);
    c.end();
  });
});

describe('forward handshake limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ LOGHARBOR_SHARED_KEY: 'k', LOGHARBOR_HANDSHAKE_TIMEOUT: '300ms' });
  });
  afterAll(async () => h.close());

  it('sends HELO, and closes a peer that never answers it', async () => {
    const c = await rawClient(h.forwardPort);
    const [helo] = unpackMultiple(await c.until((b) => b.length > 0)) as unknown[][];
    expect(helo![0]).toBe('HELO');
    await c.closed;
    expect(
      h.telemetry.listenerHealth().find((l) => l.listener === 'forward-tcp')!.lastError,
    ).toMatch(/handshake timed out/);
  });

  it('refuses events sent before the handshake', async () => {
    const c = await rawClient(h.forwardPort);
    await c.write(message('early', 'no ping'));
    await c.closed;
    expect(await h.rows(`tag = 'early'`)).toHaveLength(0);
  });
});

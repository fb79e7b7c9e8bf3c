/**
 * Shutdown with tail clients open: each is told the server is going away (1001), and one
 * that stopped reading (so it can never answer the close) is cut off after the grace
 * period instead of holding the shutdown for ws's 30-second close timeout.
 */
import { describe, expect, it } from 'vitest';
import { startHarness } from '../../support/harness.js';
import { openTail } from './tail-client.js';

describe('live tail at shutdown', () => {
  it('closes responsive clients with 1001 and cuts off one that stopped reading', async () => {
    const h = await startHarness({}, undefined, { tail: { closeGraceMs: 200 } });
    const ok = await openTail(h.httpUrl, {});
    const stuck = await openTail(h.httpUrl, {});
    stuck.tcp.pause();
    await h.close();
    expect((await ok.closed).code).toBe(1001);
    stuck.tcp.resume();
    // The server cut the stuck one without a close handshake it could complete.
    expect((await stuck.closed).code).not.toBe(1000);
    expect(h.hub.clients).toBe(0);
  }, 10_000);
});

/**
 * With LOGHARBOR_API_TOKEN set, the websocket upgrade goes through the same auth hook as
 * every route: no token or a wrong one is refused with HTTP 401 before any websocket
 * exists; a Bearer header or a browser's `?token=` opens it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRecord } from '../../../core/record.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { openTail } from './tail-client.js';

describe('live tail auth', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ LOGHARBOR_API_TOKEN: 'sesame' });
  });
  afterAll(async () => h.close());

  it('refuses a missing or wrong token with 401 and no session', async () => {
    await expect(openTail(h.httpUrl)).rejects.toThrow(/401/);
    await expect(openTail(h.httpUrl, { token: 'open' })).rejects.toThrow(/401/);
    await expect(openTail(h.httpUrl, {}, { authorization: 'Bearer nope' })).rejects.toThrow(/401/);
    expect(h.hub.clients).toBe(0);
  });

  it('accepts the token as a Bearer header or as ?token=', async () => {
    const a = await openTail(h.httpUrl, {}, { authorization: 'Bearer sesame' });
    const b = await openTail(h.httpUrl, { token: 'sesame' });
    expect(h.hub.clients).toBe(2);
    await h.collector.writer.submit({
      records: [newRecord('syslog', 1_764_300_000, 0, 'hi')],
    });
    await a.waitFor(() => a.records().length === 1, 'a record');
    await b.waitFor(() => b.records().length === 1, 'a record');
    await a.close();
    await b.close();
  });
});

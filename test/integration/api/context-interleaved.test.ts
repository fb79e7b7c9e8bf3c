/**
 * The lines around a record stored in packs, when a batch held several streams: its packs
 * take interleaved ids (a: 1, 3, 5 ...; b: 2, 4, 6 ...), so each pack's id range covers
 * ids of the other, and a record must be looked up in every pack whose range covers it.
 * Regression: the context route answered 404 for half of such records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRecord } from '../../../core/record.js';
import { startHarness, type Harness } from '../../support/harness.js';

describe('context of a record from a batch of interleaved streams', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it('finds every record, whichever pack of the batch holds it', async () => {
    const now = Math.floor(Date.now() / 1000);
    const records = Array.from({ length: 40 }, (_, i) => ({
      ...newRecord('forward', now - 40 + i, 0, `interleaved ${i}`),
      containerName: i % 2 === 0 ? 'even' : 'odd',
    }));
    await h.collector.writer.submit({ records });
    await h.waitForRows(40);
    const packs = await h.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM log_packs WHERE container_name IN ('even', 'odd')`,
    );
    expect(packs.rows[0]!.n).toBe(2); // one batch, two streams: the case under test
    const page = await h.app.inject({ url: '/api/logs?q=interleaved&limit=100' });
    const ids = (page.json() as { records: { id: string }[] }).records.map((r) => r.id);
    expect(ids).toHaveLength(40);
    for (const id of ids) {
      const r = await h.app.inject({ url: `/api/logs/${id}/context?before=2&after=2` });
      expect(r.statusCode, id).toBe(200);
      expect((r.json() as { records: { id: string }[] }).records.map((x) => x.id)).toContain(id);
    }
  });
});

/**
 * The compactor's merges on their own thread (collector/compaction/merge-thread.ts) give
 * the very packs a merge on the calling thread gives (merge.ts), and a merge that fails
 * there (a corrupt pack) rejects with the reader's error while the thread goes on merging.
 */
import { afterAll, expect, it } from 'vitest';
import { MergeThread } from '../../../collector/compaction/merge-thread.js';
import { mergeHere, type MergeTask } from '../../../collector/compaction/merge.js';
import { encodePack } from '../../../core/packs/encode.js';
import { newRecord } from '../../../core/record.js';

const thread = new MergeThread();
afterAll(() => thread.close());

/** Level-0 packs of one stream, rows interleaved between them by id, as the writer makes them. */
function task(): MergeTask {
  const packs = [0, 1, 2].map((k) => {
    const rows = Array.from({ length: 400 }, (_, i) => {
      const id = i * 3 + k + 1;
      const r = newRecord(
        'forward',
        1_700_000_000 + id,
        0,
        `line ${id} trace=${(id * 7919).toString(16).padStart(32, '0')}`,
      );
      r.containerName = 'web';
      return { id, record: r };
    });
    return encodePack(rows, { codec: 'none', ids: false }).data;
  });
  const first = encodePack(
    [{ id: 1, record: Object.assign(newRecord('forward', 0, 0, ''), { containerName: 'web' }) }],
    { codec: 'none' },
  );
  return {
    labels: first.labels,
    packs,
    targetRawBytes: 16 << 10,
    maxRows: 500,
    codec: { codec: 'brotli', level: 5 },
  };
}

it('merges on its thread exactly as on the calling thread', async () => {
  const t = task();
  const [there, here] = await Promise.all([thread.merge(t), mergeHere.merge(t)]);
  expect(there.rows).toBe(1200);
  expect(there.packs.length).toBeGreaterThan(1);
  expect(there.packs.map((p) => Buffer.isBuffer(p.data))).toEqual(there.packs.map(() => true));
  expect(there).toEqual(here);
});

it('rejects a merge of a corrupt pack with the reader error and keeps merging', async () => {
  const t = task();
  const bad = Buffer.from(t.packs[1]!);
  bad.fill(0xff, 8, 64);
  await expect(thread.merge({ ...t, packs: [t.packs[0]!, bad] })).rejects.toThrow(/pack/i);
  expect((await thread.merge(t)).rows).toBe(1200);
});

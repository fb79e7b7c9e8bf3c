/**
 * Compressed storage (issue 17): what the search data set's lines cost in PostgreSQL as
 * packs, every one merged by the compactor, against `zstd -19` and `gzip -9` of the same
 * lines as one flat file (bench/lib/storage.ts). The target: database growth per line at
 * most twice zstd -19's bytes per line. A compressor that is not installed is reported as
 * a problem, and the target is then not judged.
 */
import type { BenchContext } from '../lib/context.js';
import { num, ratio } from '../lib/report.js';
import { openSearchData } from '../lib/search-data.js';
import { MAX_COMPRESSED_LINES, measureStorage, type Compressed } from '../lib/storage.js';
import { TARGETS, meets, targetText } from '../lib/targets.js';
import type { Section } from './section.js';

const TITLE = 'Storage';
const MB = 1 << 20;

const mb = (x: number) => `${(x / MB).toFixed(1)} MB`;

async function run(ctx: BenchContext): Promise<void> {
  const n = ctx.sizes.search;
  const data = await openSearchData(n, (s) => ctx.log(s));
  try {
    if (data.generatedSeconds > 0)
      ctx.log(`generated ${num(n)} records in ${data.generatedSeconds.toFixed(0)} s`);
    ctx.log('storage: table sizes, compressors');
    const s = await measureStorage(data, (x) => ctx.log(x));
    const perLine = s.growth / s.lines;
    const tools = s.compressors.filter((c): c is Compressed => typeof c !== 'string');
    for (const c of s.compressors)
      if (typeof c === 'string') ctx.report.problem(TITLE, `storage: ${c}`);
    const per = (c: Compressed) => c.bytes / c.lines;
    const zstd = tools.find((c) => c.tool.startsWith('zstd'));
    const grown = s.relations.filter((r) => r.bytes - r.emptyBytes > 0);
    const packData = s.packs.reduce((a, p) => a + p.data, 0);
    const packBloom = s.packs.reduce((a, p) => a + p.bloom, 0);
    const packIds = s.packs.reduce((a, p) => a + p.idBloom, 0);
    ctx.report.table(TITLE, {
      title: `Storage of ${num(s.lines)} corpus lines as packs`,
      head: ['measure', 'bytes', 'per line', 'vs zstd -19'],
      rows: [
        [
          'raw lines (lines.txt: messages and newlines)',
          num(s.rawBytes),
          ratio(s.rawBytes / s.lines),
          zstd ? `${ratio(s.rawBytes / s.lines / per(zstd))}x` : '-',
        ],
        ...tools.map((c) => [
          `${c.tool} of the lines, one stream (${c.tool.split(' ')[0]} ${c.version}${c.lines < s.lines ? `, the first ${num(c.lines)} lines` : ''})`,
          num(c.bytes),
          ratio(per(c)),
          zstd ? `${ratio(per(c) / per(zstd))}x` : '-',
        ]),
        ...(data.meta.loadedGrowth === undefined
          ? []
          : [
              [
                "database growth as the load left it (merged packs' space not yet reused)",
                num(data.meta.loadedGrowth),
                ratio(data.meta.loadedGrowth / s.lines),
                zstd ? `${ratio(data.meta.loadedGrowth / s.lines / per(zstd))}x` : '-',
              ],
            ]),
        [
          'database growth: every table, less an empty database',
          num(s.growth),
          ratio(perLine),
          zstd ? `${ratio(perLine / per(zstd))}x` : '-',
        ],
        ...grown.map((r) => [
          `  ${r.name} (partitions, TOAST, indexes)`,
          num(r.bytes - r.emptyBytes),
          ratio((r.bytes - r.emptyBytes) / s.lines),
          '',
        ]),
        ['  of which pack columns (data)', num(packData), ratio(packData / s.lines), ''],
        ['  of which pack trigram Bloom filters', num(packBloom), ratio(packBloom / s.lines), ''],
        ['  of which pack id Bloom filters', num(packIds), ratio(packIds / s.lines), ''],
      ],
      notes: [
        `The search data set (bench/lib/search-data.ts, ${mb(s.rawBytes)} of lines) written through logharbor's writer, then every level-0 pack merged by the compactor; packs: ${s.packs.map((p) => `level ${p.level} ${num(p.packs)} (${num(p.rows)} rows, ${num(p.rows / p.packs)} a pack)`).join(', ')}. The compactor ran to completion every ${num(1_000_000)} lines and at the end; "as the load left it" counts the space the merged level-0 packs left, which a running store reuses for the next ones (here nothing came after the last merge); the data set was then VACUUM FULLed, and the growth judged is what the lines take in it.`,
        `Database growth: pg_total_relation_size of every table (partitions, TOAST and indexes included) less the same table in a freshly migrated database; tables that did not grow are not listed. The compressors read the file as one stream (gzip -9, zstd -19 -T1)${s.lines > MAX_COMPRESSED_LINES ? `, at most its first ${num(MAX_COMPRESSED_LINES)} lines: zstd -19's window is 8 MiB, so more lines compress no better per line, and a whole 10M-line file would take it an hour here` : ''}; their figures are kept beside lines.txt.`,
      ],
    });
    const t = TARGETS.storage;
    ctx.report.target({
      section: TITLE,
      what: `${t.what}, ${num(s.lines)} lines`,
      value: zstd
        ? `${ratio(perLine / per(zstd))}x (${ratio(perLine)} vs ${ratio(per(zstd))} bytes/line)`
        : `${ratio(perLine)} bytes/line; no zstd`,
      spread: '1 data set',
      target: targetText(t),
      old: t.old,
      pass: zstd ? meets(t, perLine / per(zstd)) : null,
    });
    ctx.report.headline(
      TITLE,
      `Storage: ${ratio(perLine)} bytes per corpus line in PostgreSQL as packs${zstd ? `, ${ratio(perLine / per(zstd))}x what zstd -19 makes of the raw lines (${ratio(per(zstd))})` : ''}.`,
    );
  } finally {
    await data.close();
  }
}

export const storage: Section = {
  name: 'storage',
  title: TITLE,
  doc: 'main',
  inDefault: true,
  run,
};

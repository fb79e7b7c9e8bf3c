/**
 * Search over 50M records (--big, BENCHMARKS-big.md): the search scaling curve of the
 * scaling section with a 50M data set added (generated on first use through the writer,
 * which takes most of an hour on the 2-core development machine), the query mix and
 * baselines at each size.
 */
import type { BenchContext } from '../lib/context.js';
import { num } from '../lib/report.js';
import { searchCurve } from './scaling.js';
import { searchMix } from './search.js';
import type { Section } from './section.js';

const TITLE = 'Search scaling to 50M records';

async function run(ctx: BenchContext): Promise<void> {
  const mixes = [];
  for (const n of ctx.sizes.bigSearchSizes) {
    ctx.log(`search over ${num(n)} records`);
    mixes.push(await searchMix(ctx, n));
  }
  ctx.report.table(TITLE, searchCurve(mixes));
}

export const big: Section = { name: 'big', title: TITLE, doc: 'big', inDefault: false, run };

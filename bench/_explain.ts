import { startEmbedded } from '/work/main/core/db/embedded.js';
import { createPool } from '/work/main/core/db/pool.js';
const pg = await startEmbedded({ dataDir: '/work/main/.bench/search-1000000' });
const pool = createPool(pg.url);
for (const sql of process.argv.slice(2)) {
  const r = await pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`);
  console.log(r.rows.map((x) => x['QUERY PLAN']).join('\n').slice(0, 3500));
}
await pool.end(); await pg.stop();

/**
 * The PostgreSQL every ingest-side benchmark writes to: one embedded cluster (the
 * settings logharbor's own embedded server runs with, core/db/embedded.ts) kept in
 * .bench/pg-ingest/ across runs, so its WAL segments are recycled as on a server that
 * has been running (docs/architecture.md, "Benchmarks": on a new cluster `\copy` took 2x as long).
 * logharbor (through DATABASE_URL), psql's `\copy` ceilings and rsyslog's ompgsql all
 * write to it in the same run; each run gets a fresh database, dropped afterwards.
 * LOGHARBOR_BENCH_PG_DIR names another directory: two benchmark runs at once must not
 * share one (the second start takes the cluster over from the first).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startEmbedded } from '../../core/db/embedded.js';
import { createPool, type Pool } from '../../core/db/pool.js';
import { ROOT } from '../../dev/build.js';
import { postgresCpuSeconds } from '../../dev/proc.js';

export interface Cluster {
  /** `SELECT version()`, shortened to "PostgreSQL 17.x". */
  version: string;
  urlOf(db: string): string;
  /** Drops a leftover of the same name, then creates the database; returns its URL. */
  createDatabase(name: string): Promise<string>;
  dropDatabase(name: string): Promise<void>;
  /** The data directory, for the machine description (which disk). */
  dir: string;
  /** CPU seconds used so far by the server and all its backends. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export async function startCluster(): Promise<Cluster> {
  const dir = process.env.LOGHARBOR_BENCH_PG_DIR ?? path.join(ROOT, '.bench', 'pg-ingest');
  const pg = await startEmbedded({ dataDir: dir });
  const admin: Pool = createPool(pg.url, { max: 2, applicationName: 'logharbor-bench' });
  const v = (await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v"))
    .rows[0]!.v;
  const postmaster = Number(
    readFileSync(path.join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0],
  );
  const urlOf = (db: string) => pg.url.replace(/\/[^/]*$/, `/${db}`);
  const dropDatabase = async (name: string) => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  };
  return {
    version: `PostgreSQL ${v.split(' ')[0]}`,
    urlOf,
    dir,
    async createDatabase(name) {
      await dropDatabase(name);
      await admin.query(`CREATE DATABASE ${name}`);
      return urlOf(name);
    },
    dropDatabase,
    cpuSeconds: () => postgresCpuSeconds(postmaster),
    async stop() {
      await admin.end();
      await pg.stop();
    },
  };
}

/**
 * Migrations: numbered SQL files in migrations/ (`001_name.sql`), applied in order,
 * each in its own transaction, recorded in `schema_migrations`. A session advisory lock
 * makes concurrent runs (two processes starting at once) take turns; the second finds
 * everything applied and does nothing.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { MIGRATIONS_DIR } from '../paths.js';
import type { Pool } from './pool.js';

/** Arbitrary constant: the advisory lock key that serializes migrations. */
const LOCK_KEY = 0x6c6f6768; // "logh"

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d+_[\w-]+\.sql$/.test(f)).sort();
  const out: Migration[] = [];
  for (const f of files) {
    const version = Number(f.split('_')[0]);
    if (out.some((m) => m.version === version))
      throw new Error(`two migrations numbered ${version}`);
    out.push({ version, name: f, sql: await readFile(path.join(dir, f), 'utf8') });
  }
  return out;
}

/** Applies what is missing; returns the names applied by this call. */
export async function migrate(pool: Pool, dir?: string): Promise<string[]> {
  const migrations = await loadMigrations(dir);
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map(
        (r) => r.version,
      ),
    );
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
          m.version,
          m.name,
        ]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.name} failed: ${(e as Error).message}`, { cause: e });
      }
      applied.push(m.name);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    client.release();
  }
  return applied;
}

/**
 * PostgreSQL connections, shared by collector and API. bigint (int8) columns come back
 * as strings (ids can pass 2^53 in principle); timestamps are formatted in SQL.
 */
import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolOptions {
  max?: number;
  /** statement_timeout for every statement on these connections, ms (0 = none). */
  statementTimeoutMs?: number;
  applicationName?: string;
}

export function createPool(url: string, opts: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    application_name: opts.applicationName ?? 'logharbor',
    statement_timeout: opts.statementTimeoutMs || undefined,
    connectionTimeoutMillis: 10_000,
  });
  // An idle connection that dies (server restart) must not crash the process; the next
  // checkout gets a fresh one.
  pool.on('error', () => undefined);
  // Nor one that dies while checked out: pg emits 'error' on the client after failing its
  // query (which is how the caller learns of it), and an 'error' nobody listens to is
  // fatal. A dead client is not queryable, so the pool drops it on release.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** SQLSTATE classes that mean "this data", not "this connection": retrying cannot help. */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

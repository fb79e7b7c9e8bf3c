/**
 * One read-only transaction on a connection of its own: every statement of `fn` reads
 * one snapshot under REPEATABLE READ (PostgreSQL, "Transaction Isolation"), as a block
 * walk or a tail backlog needs. Also allowed on a hot standby (the read replica).
 */
import type { Pool, PoolClient } from '../../core/db/pool.js';

export async function readOnly<T>(
  pool: Pool,
  isolation: 'READ COMMITTED' | 'REPEATABLE READ',
  timeoutMs: number | null,
  fn: (c: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(`BEGIN ISOLATION LEVEL ${isolation} READ ONLY`);
    if (timeoutMs !== null) {
      await client.query(`SELECT set_config('statement_timeout', $1, true)`, [String(timeoutMs)]);
    }
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

import pg from 'pg';
import type { SqlClient } from './client';

/** A PostgreSQL server through a connection pool. */
export function createPgClient(connectionString: string, poolSize = 10): SqlClient {
  const pool = new pg.Pool({ connectionString, max: poolSize });
  // An idle client's error (server restart) must not end the process; the next query reconnects.
  pool.on('error', () => {});
  return {
    name: 'postgres',
    async query(sql, params) {
      const r = await pool.query(sql, params as unknown[] | undefined);
      return r.rows;
    },
    async exec(sql) {
      await pool.query(sql);
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({
          async query(sql, params) {
            const r = await client.query(sql, params as unknown[] | undefined);
            return r.rows;
          },
          async exec(sql) {
            await client.query(sql);
          },
        });
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}

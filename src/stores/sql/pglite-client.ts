import { PGlite } from '@electric-sql/pglite';
import type { SqlClient } from './client';

/**
 * Settings for an embedded database that shares its process with the gateway: PostgreSQL's
 * default 128 MB of shared buffers would be most of the process's memory.
 */
export const PGLITE_SETTINGS = [
  'shared_buffers=16MB',
  'wal_buffers=1MB',
  'work_mem=4MB',
  'maintenance_work_mem=16MB',
];

/** The embedded PostgreSQL (PGlite), persisted in a folder, or in memory when none is given. */
export async function createPgliteClient(dataDir?: string): Promise<SqlClient> {
  const options = { relaxedDurability: false, postgresqlconf: PGLITE_SETTINGS };
  const db = dataDir ? new PGlite(dataDir, options) : new PGlite(options);
  await db.waitReady;
  return {
    name: 'pglite',
    async query(sql, params) {
      const r = await db.query(sql, params as unknown[] | undefined);
      return r.rows as never[];
    },
    async exec(sql) {
      await db.exec(sql);
    },
    transaction(fn) {
      return db.transaction((tx) =>
        fn({
          async query(sql, params) {
            const r = await tx.query(sql, params as unknown[] | undefined);
            return r.rows as never[];
          },
          async exec(sql) {
            await tx.exec(sql);
          },
        }),
      );
    },
    async close() {
      await db.close();
    },
  };
}

import { PGlite } from '@electric-sql/pglite';
import type { SqlClient } from './client';

/** The embedded PostgreSQL (PGlite), persisted in a folder, or in memory when none is given. */
export async function createPgliteClient(dataDir?: string): Promise<SqlClient> {
  const db = dataDir ? new PGlite(dataDir, { relaxedDurability: false }) : new PGlite();
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

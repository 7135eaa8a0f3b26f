import type { SqlClient } from './client';
import { MIGRATIONS } from './migrations';

/** Applies the migrations not applied yet; several nodes may start at once, one applies each. */
export async function migrate(db: SqlClient): Promise<void> {
  // CREATE TABLE IF NOT EXISTS is not safe against a second node doing the same at once.
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(7263001)');
    await tx.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)',
    );
  });
  for (const m of MIGRATIONS) {
    await db.transaction(async (tx) => {
      // The others wait for the lock and skip what is done.
      await tx.query('SELECT pg_advisory_xact_lock(7263001)');
      const done = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (done.length) return;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())', [
        m.version,
        m.name,
      ]);
    });
  }
}

import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A connection to the server's admin database, or null when no server answers within 2 s. */
export async function connectAdmin(): Promise<pg.Client | null> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return client;
  } catch {
    await client.end().catch(() => {});
    return null;
  }
}

/** Whether the machine's PostgreSQL answers; says so visibly when it does not. */
export async function postgresAvailable(what: string): Promise<boolean> {
  const probe = await connectAdmin();
  await probe?.end();
  if (!probe)
    console.warn(
      `PostgreSQL was not reachable at ${new URL(ADMIN_URL).host}: ${what} SKIPPED. Set TEST_DATABASE_URL to run it.`,
    );
  return probe !== null;
}

/** A database of its own for one test run; drop() removes it. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const database = `gw_test_${randomBytes(6).toString('hex')}`;
  const admin = await connectAdmin();
  if (!admin) throw new Error(`PostgreSQL at ${new URL(ADMIN_URL).host} stopped answering`);
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return {
    url: url.toString(),
    async drop() {
      try {
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
          database,
        ]);
        await admin.query(`DROP DATABASE IF EXISTS ${database}`);
      } finally {
        await admin.end();
      }
    },
  };
}

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe } from 'vitest';
import { createPgClient } from '../../src/stores/sql/pg-client';
import { createSqlMetadataStore } from '../../src/stores/sql/sql-metadata-store';
import { metadataStoreContract } from '../contract/metadata-store';

const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A connection to the server's admin database, or null when no server answers within 2 s. */
async function connectAdmin(): Promise<pg.Client | null> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 });
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

const probe = await connectAdmin();
await probe?.end();
const available = probe !== null;
if (!available) {
  console.warn(
    `PostgreSQL was not reachable at ${new URL(adminUrl).host}: the PostgreSQL MetadataStore contract suite was SKIPPED. ` +
      'Set TEST_DATABASE_URL to run it.',
  );
}

describe.skipIf(!available)('PostgreSQL server', () => {
  metadataStoreContract('postgres', async () => {
    const database = `gw_test_${randomBytes(6).toString('hex')}`;
    const admin = await connectAdmin();
    if (!admin) throw new Error(`PostgreSQL at ${new URL(adminUrl).host} stopped answering`);
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(adminUrl);
    url.pathname = `/${database}`;
    const store = createSqlMetadataStore(createPgClient(url.toString()));
    return {
      store,
      cleanup: async () => {
        try {
          await store.close();
          await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
            database,
          ]);
          await admin.query(`DROP DATABASE IF EXISTS ${database}`);
        } finally {
          await admin.end();
        }
      },
    };
  });
});

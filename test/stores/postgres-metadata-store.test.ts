import { describe } from 'vitest';
import { createPgClient } from '../../src/stores/sql/pg-client';
import { createSqlMetadataStore } from '../../src/stores/sql/sql-metadata-store';
import { metadataStoreContract } from '../contract/metadata-store';
import { createTestDatabase, postgresAvailable } from '../support/postgres';

const available = await postgresAvailable('the PostgreSQL MetadataStore contract suite');

describe.skipIf(!available)('PostgreSQL server', () => {
  metadataStoreContract('postgres', async () => {
    const db = await createTestDatabase();
    const store = createSqlMetadataStore(createPgClient(db.url));
    return {
      store,
      cleanup: async () => {
        await store.close();
        await db.drop();
      },
    };
  });
});

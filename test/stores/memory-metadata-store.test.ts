import { createMemoryMetadataStore } from '../../src/stores/memory/metadata-store';
import { metadataStoreContract } from '../contract/metadata-store';

metadataStoreContract('memory', async () => ({
  store: createMemoryMetadataStore(),
  cleanup: async () => {},
}));

import { createMemoryObjectStore } from '../../src/stores/memory/object-store';
import { objectStoreContract } from '../contract/object-store';

objectStoreContract('memory', async () => ({ store: createMemoryObjectStore(), cleanup: async () => {} }));

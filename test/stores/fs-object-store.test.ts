import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFsObjectStore } from '../../src/stores/fs-object-store';
import { objectStoreContract } from '../contract/object-store';

objectStoreContract('fs-object-store', async () => {
  const base = await mkdtemp(join(tmpdir(), 'gw-objects-'));
  // The store's root sits one level down, beside a file that is not the store's:
  // nothing the store offers may reach that file.
  const root = join(base, 'store');
  await mkdir(root);
  await writeFile(join(base, 'outside.txt'), 'not an object of the store');
  return {
    store: createFsObjectStore(root),
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
});

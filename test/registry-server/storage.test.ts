/** Runs the storage contract against the memory and filesystem drivers. */
import { createFsStorage, createMemoryStorage } from '../../registry-server/index.js';
import { onCleanup, tempDir } from './helpers.js';
import { testStorage } from './storage-contract.js';

testStorage('memory', async () => createMemoryStorage());

testStorage('fs', async () => {
  const storage = createFsStorage(await tempDir());
  onCleanup(() => storage.close());
  return storage;
});

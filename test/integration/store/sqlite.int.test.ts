/**
 * Runs the shared EventStore contract against the embedded SQLite store, once per writer
 * placement (worker thread, the default, and the caller's thread), each on its own temp file.
 */
import { join } from 'node:path';
import { openSqliteStore } from '../../../src/store/sqlite/open-sqlite-store.js';
import type { SqliteWriterMode } from '../../../src/store/sqlite/sqlite-store-options.js';
import { tempDir } from '../../support/temp-dir.js';
import { describeEventStoreContract } from './event-store.contract.js';

for (const writer of ['worker', 'inline'] satisfies SqliteWriterMode[]) {
  const dir = await tempDir(`timecloud-sqlite-contract-${writer}-`);
  describeEventStoreContract(`sqlite (${writer} writer)`, {
    open: () => openSqliteStore(join(dir.path, 'store', 'timecloud.db'), { writer }),
    cleanup: () => dir.remove(),
  });
}

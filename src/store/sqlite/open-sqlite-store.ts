/** Opens the embedded SQLite event store on one file. */
import { resolve } from 'node:path';
import { StoreError } from '../../errors.js';
import { prepareFile } from './connection.js';
import { EventReader } from './event-reader.js';
import { ensureSchema } from './schema.js';
import { SqliteStore } from './sqlite-event-store.js';
import type { SqliteEventStore } from './sqlite-event-store.js';
import { resolveSqliteStoreOptions } from './sqlite-store-options.js';
import type { SqliteStoreOptions } from './sqlite-store-options.js';
import { WorkerWriter } from './worker-writer.js';
import { InlineWriter } from './writer.js';
import type { Writer } from './writer.js';

/**
 * Opens (creating it and its folders if needed) the store file `file`. A folder, a file
 * that is not a timecloud SQLite store, or a corrupt one is a `StoreError` naming the file,
 * here rather than at some later read.
 */
export async function openSqliteStore(file: string, options: SqliteStoreOptions = {}): Promise<SqliteEventStore> {
  if (typeof file !== 'string' || file.trim() === '') {
    throw new StoreError(`the SQLite event store needs a file path, got ${JSON.stringify(file) ?? String(file)}`);
  }
  const resolved = resolveSqliteStoreOptions(options);
  const path = resolve(file);
  const readDb = prepareFile(path, { quickCheck: resolved.checkOnOpen });
  let writer: Writer | undefined;
  try {
    ensureSchema(readDb, path);
    const reader = new EventReader(readDb, path);
    writer = resolved.writer === 'worker' ? await WorkerWriter.start(path, resolved.maxBatchEvents) : new InlineWriter(path);
    return new SqliteStore({ file: path, readDb, reader, writer, options: resolved });
  } catch (error) {
    await writer?.close();
    readDb.close();
    if (error instanceof StoreError) throw error;
    throw new StoreError(`cannot open the event store "${path}": ${(error as Error).message}`, { cause: error });
  }
}

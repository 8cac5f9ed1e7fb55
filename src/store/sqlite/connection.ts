/**
 * Opens SQLite connections on the store file with the pragmas every connection needs, and
 * turns the ways a path can be unusable into a `StoreError` that names the file.
 */
import { mkdirSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../../errors.js';

/** Milliseconds a connection waits for another connection's lock before giving up. */
export const BUSY_TIMEOUT_MS = 5000;

function reason(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs `step` again while it fails with SQLITE_BUSY, for up to `BUSY_TIMEOUT_MS`. Needed for
 * the steps of opening a new file that SQLite does not retry itself: while the file is still
 * in rollback-journal mode, a connection asking for a lock that another connection's pending
 * write would deadlock with gets SQLITE_BUSY at once, whatever the busy timeout (seen when two
 * processes open one new file together). Blocks the thread in between, as the busy timeout does.
 */
function retryWhileBusy<T>(step: () => T): T {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
    try {
      return step();
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() + wait > deadline) throw error;
      Atomics.wait(pause, 0, 0, wait);
    }
  }
}

/** Per-connection settings; WAL itself is persistent and set once by `prepareFile`. */
function configure(db: Database.Database): void {
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma('synchronous = FULL');
}

/** Opens a connection on a file that `prepareFile` has already checked. */
export function openConnection(file: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { fileMustExist: true });
    configure(db);
    return db;
  } catch (error) {
    db?.close();
    throw new StoreError(`cannot open the event store "${file}": ${reason(error)}`, { cause: error });
  }
}

/**
 * Opens the first connection on `file`: creates the parent folders, refuses a folder or a
 * file that is not an SQLite database, optionally runs `PRAGMA quick_check`, and switches
 * the file to WAL. The caller owns the returned connection.
 */
export function prepareFile(file: string, { quickCheck }: { quickCheck: boolean }): Database.Database {
  let existing: Stats | undefined;
  try {
    existing = statSync(file, { throwIfNoEntry: false });
  } catch {
    // ENOTDIR and the like: a parent is not a folder. Creating the folders reports it.
    existing = undefined;
  }
  if (existing?.isDirectory()) {
    throw new StoreError(`cannot open the event store "${file}": it is a directory, not a file`);
  }
  if (existing && !existing.isFile()) {
    throw new StoreError(`cannot open the event store "${file}": it is not a regular file`);
  }
  if (!existing) {
    try {
      mkdirSync(dirname(file), { recursive: true });
    } catch (error) {
      throw new StoreError(
        `cannot create the folder "${dirname(file)}" for the event store "${file}": ${reason(error)}`,
        { cause: error },
      );
    }
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(file);
  } catch (error) {
    throw new StoreError(`cannot open the event store "${file}": ${reason(error)}`, { cause: error });
  }
  try {
    configure(db);
    // The first real read of the header: a file that is not SQLite fails here.
    retryWhileBusy(() => db.pragma('schema_version', { simple: true }));
    if (quickCheck && existing && existing.size > 0) {
      const problems = (db.pragma('quick_check(5)') as { quick_check: string }[]).flatMap((row) =>
        row.quick_check.split('\n'),
      );
      if (problems.length !== 1 || problems[0] !== 'ok') {
        throw new StoreError(`event store "${file}" is corrupt: ${problems.join('; ')}`);
      }
    }
    const mode = retryWhileBusy(() => db.pragma('journal_mode = WAL', { simple: true }));
    if (mode !== 'wal') {
      throw new StoreError(`event store "${file}" cannot use write-ahead logging (journal mode stays ${String(mode)})`);
    }
    return db;
  } catch (error) {
    db.close();
    if (error instanceof StoreError) throw error;
    const code = (error as { code?: unknown }).code;
    const what =
      code === 'SQLITE_NOTADB'
        ? 'it is not an SQLite database'
        : code === 'SQLITE_CORRUPT'
          ? 'it is corrupt'
          : 'it cannot be read';
    throw new StoreError(`cannot open the event store "${file}": ${what} (${reason(error)})`, { cause: error });
  }
}

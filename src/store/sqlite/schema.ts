/**
 * The store's tables. `events` holds the log (position = `$all` order = commit order);
 * `streams` holds each stream's last revision and metadata, so revisions stay right after
 * the scavenge has deleted old rows.
 */
import type Database from 'better-sqlite3';
import { StoreError } from '../../errors.js';

/** `PRAGMA application_id` of a timecloud store: "tcld". */
export const APPLICATION_ID = 0x74636c64;
/**
 * `PRAGMA user_version`: bump with a migration whenever the tables change.
 * - 1: events and streams;
 * - 2: `events_by_type`, so that looking back for a rare event type (the last deliveries an
 *   alert channel made, read at every leadership start) no longer scans the whole history:
 *   145 ms per million events, in one synchronous query on the node's event loop. Created by
 *   the `IF NOT EXISTS` DDL below when a version 1 file is opened.
 */
export const SCHEMA_VERSION = 2;

/** The index of events by type, named in reads that use it (`event-reader.ts`). */
export const TYPE_INDEX = 'events_by_type';

const DDL = `
CREATE TABLE IF NOT EXISTS events (
  position INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL UNIQUE,
  stream   TEXT NOT NULL,
  revision INTEGER NOT NULL,
  type     TEXT NOT NULL,
  data     TEXT NOT NULL,
  metadata TEXT NOT NULL,
  created  INTEGER NOT NULL,
  UNIQUE (stream, revision)
);
CREATE TABLE IF NOT EXISTS streams (
  stream        TEXT PRIMARY KEY,
  last_revision INTEGER,
  max_age       INTEGER,
  max_count     INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ${TYPE_INDEX} ON events (type, position);
`;

function userTables(db: Database.Database): string[] {
  const rows = db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .all();
  return rows.map((row) => row.name);
}

/**
 * Creates the tables in an empty file, or checks that an existing file is a timecloud store
 * of a schema this code understands. Safe when several processes open a new file at once:
 * the check is repeated inside the write lock.
 */
export function ensureSchema(db: Database.Database, file: string): void {
  const check = (): boolean => {
    const applicationId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    if (applicationId === APPLICATION_ID) {
      if (version > SCHEMA_VERSION) {
        throw new StoreError(
          `event store "${file}" has schema version ${version}, newer than this timecloud understands (${SCHEMA_VERSION})`,
        );
      }
      return version === SCHEMA_VERSION;
    }
    const tables = userTables(db);
    if (applicationId !== 0 || tables.length > 0) {
      throw new StoreError(
        `"${file}" is an SQLite database but not a timecloud event store (application_id ${applicationId}, tables: ${
          tables.join(', ') || 'none'
        })`,
      );
    }
    return false;
  };
  // One read transaction, so both pragmas and the table list come from one snapshot: read
  // one by one, they can straddle another process's creation of the tables and show them
  // without the application id set in the same commit.
  if (db.transaction(check).deferred()) return;
  db.transaction(() => {
    if (check()) return;
    db.exec(DDL);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

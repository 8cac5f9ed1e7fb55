/**
 * Options of the embedded SQLite store, checked once at open time so that a bad value is
 * reported with its name before anything touches the file.
 */
import { ValidationError } from '../../errors.js';

/** Where the SQLite write connection runs. */
export type SqliteWriterMode = 'worker' | 'inline';

export interface SqliteStoreOptions {
  /**
   * `worker` commits on a worker thread, so an fsync, a WAL checkpoint or a wait for another
   * process's write lock never blocks the caller's event loop; `inline` commits on the
   * caller's thread (slightly cheaper per commit, but the loop stalls for every fsync).
   * @defaultValue 'worker'
   */
  writer?: SqliteWriterMode;
  /**
   * Most events committed in one transaction. Appends that queue up while a commit runs are
   * committed together up to this bound; a single larger append is committed on its own.
   * @defaultValue 1000
   */
  maxBatchEvents?: number;
  /**
   * Rows fetched per query by reads and subscriptions, so a long stream is never loaded whole.
   * @defaultValue 256
   */
  readPageSize?: number;
  /**
   * How commits of other processes are noticed while a subscription waits for live events:
   * `poll` checks `PRAGMA data_version` every `changePollIntervalMs`; `watch` watches the
   * folder for writes to the WAL and polls only around them (plus a slow safety poll), so
   * an idle process does not wake every few milliseconds. `watch` falls back to `poll`
   * where the folder cannot be watched.
   * @defaultValue 'watch'
   */
  changeDetection?: 'watch' | 'poll';
  /**
   * Period, in milliseconds, of the `PRAGMA data_version` polls (all the time with `poll`,
   * in bursts around WAL writes with `watch`).
   * @defaultValue 1
   */
  changePollIntervalMs?: number;
  /**
   * How often, in milliseconds, rows hidden by stream metadata (`maxAge`, `maxCount`) are
   * deleted. `0` turns the periodic scavenge off (`scavenge()` still works).
   * @defaultValue 300000
   */
  scavengeIntervalMs?: number;
  /**
   * Run `PRAGMA quick_check` when opening an existing file, so corruption is reported at
   * open time rather than by a failing read later. Costs a full read of the file.
   * @defaultValue true
   */
  checkOnOpen?: boolean;
  /**
   * Told about failures of background work (the periodic scavenge, change polling), which
   * has no caller to throw to.
   * @defaultValue `process.emitWarning`
   */
  onBackgroundError?: (error: Error) => void;
}

export type ResolvedSqliteStoreOptions = Required<SqliteStoreOptions>;

function positiveInteger(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  const min = allowZero ? 0 : 1;
  if (!Number.isInteger(value) || value < min) {
    throw new ValidationError(
      `${name} must be an integer ${allowZero ? '≥ 0' : '≥ 1'}, got ${String(value)}`,
      name,
    );
  }
  return value;
}

/** Fills in defaults and rejects values that make no sense, naming the option. */
export function resolveSqliteStoreOptions(options: SqliteStoreOptions = {}): ResolvedSqliteStoreOptions {
  const changeDetection = options.changeDetection ?? 'watch';
  if (changeDetection !== 'watch' && changeDetection !== 'poll') {
    throw new ValidationError(
      `changeDetection must be 'watch' or 'poll', got ${JSON.stringify(changeDetection)}`,
      'changeDetection',
    );
  }
  const writer = options.writer ?? 'worker';
  if (writer !== 'worker' && writer !== 'inline') {
    throw new ValidationError(`writer must be 'worker' or 'inline', got ${JSON.stringify(writer)}`, 'writer');
  }
  return {
    writer,
    maxBatchEvents: positiveInteger('maxBatchEvents', options.maxBatchEvents, 1000),
    readPageSize: positiveInteger('readPageSize', options.readPageSize, 256),
    changeDetection,
    changePollIntervalMs: positiveInteger('changePollIntervalMs', options.changePollIntervalMs, 1),
    scavengeIntervalMs: positiveInteger('scavengeIntervalMs', options.scavengeIntervalMs, 300_000, true),
    checkOnOpen: options.checkOnOpen ?? true,
    onBackgroundError: options.onBackgroundError ?? ((error) => process.emitWarning(error)),
  };
}

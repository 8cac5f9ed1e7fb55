/**
 * The write side of the store: something that commits a batch of ops and answers with one
 * result per op. Two placements share `BatchCommitter`: on a worker thread (the default) or
 * on the caller's thread.
 */
import type Database from 'better-sqlite3';
import { BatchCommitter } from './commit-batch.js';
import { openConnection } from './connection.js';
import type { OpResult, WriteOp } from './write-ops.js';

export interface Writer {
  /**
   * How many `commit` calls may be outstanding at once. 1 makes the group committer wait for
   * each commit and gather what queued meanwhile; a writer that merges queued commits
   * itself takes more, so no round trip is spent idle.
   */
  readonly maxInFlight: number;
  /**
   * A writer on another thread gets a batch as soon as this many events are queued, without
   * waiting for the caller's turn to end: it commits while the caller is still deciding (a
   * minute-boundary herd: the first thousand events are durable before the last are decided).
   * Unset: batches leave once per turn of the event loop.
   */
  readonly handOffEvents?: number;
  /** Commits `ops` (in one transaction, or merged with other calls); never rejects for one op's failure. */
  commit(ops: readonly WriteOp[]): Promise<OpResult[]>;
  close(): Promise<void>;
}

/** Commits on the caller's thread: the event loop is blocked for each commit's fsync. */
export class InlineWriter implements Writer {
  readonly maxInFlight = 1;
  private readonly db: Database.Database;
  private readonly committer: BatchCommitter;

  constructor(file: string) {
    this.db = openConnection(file);
    this.committer = new BatchCommitter(this.db);
  }

  commit(ops: readonly WriteOp[]): Promise<OpResult[]> {
    return Promise.resolve(this.committer.commit(ops));
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}

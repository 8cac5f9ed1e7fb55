/**
 * Applies a batch of write ops in one `BEGIN IMMEDIATE` transaction (one fsync). Each append
 * is checked on its own: a wrong expected revision or a clashing event id fails that append
 * only, before or without leaving any row, and the others still commit. Any other error
 * (I/O, a full disk, a broken invariant) fails the whole batch. Runs wherever the write
 * connection lives (worker or caller thread).
 */
import type Database from 'better-sqlite3';
import { WrongExpectedVersion } from '../../errors.js';
import type { ExpectedRevision } from '../event-store.js';
import { EventIdConflict, encodeFailure } from './write-ops.js';
import type { AppendOp, OpResult, ScavengeOp, SetMetadataOp, WriteOp } from './write-ops.js';

interface StoredId {
  stream: string;
  revision: number;
  position: number;
}

interface MetadataRow {
  stream: string;
  last_revision: number;
  max_age: number | null;
  max_count: number | null;
}

/** Applies batches on one write connection. */
export class BatchCommitter {
  private readonly lastRevision;
  private readonly findId;
  private readonly insertEvent;
  private readonly saveRevision;
  private readonly saveMetadata;
  private readonly limitedStreams;
  private readonly deleteBeforeRevision;
  private readonly deleteOlderThan;
  private readonly insertInSavepoint;
  private readonly applyAll;

  constructor(private readonly db: Database.Database) {
    this.lastRevision = db
      .prepare<[string], number | null>('SELECT last_revision FROM streams WHERE stream = ?')
      .pluck();
    this.findId = db.prepare<[string], StoredId>('SELECT stream, revision, position FROM events WHERE event_id = ?');
    this.insertEvent = db.prepare<[string, string, bigint, string, string, string, number]>(
      'INSERT INTO events (event_id, stream, revision, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.saveRevision = db.prepare<[string, bigint]>(
      `INSERT INTO streams (stream, last_revision) VALUES (?, ?)
       ON CONFLICT (stream) DO UPDATE SET last_revision = excluded.last_revision`,
    );
    this.saveMetadata = db.prepare<[string, number | null, number | null]>(
      `INSERT INTO streams (stream, last_revision, max_age, max_count) VALUES (?, NULL, ?, ?)
       ON CONFLICT (stream) DO UPDATE SET max_age = excluded.max_age, max_count = excluded.max_count`,
    );
    this.limitedStreams = db.prepare<[], MetadataRow>(
      `SELECT stream, last_revision, max_age, max_count FROM streams
       WHERE last_revision IS NOT NULL AND (max_age IS NOT NULL OR max_count IS NOT NULL)`,
    );
    this.deleteBeforeRevision = db.prepare<[string, number, number]>(
      `DELETE FROM events WHERE position IN
         (SELECT position FROM events WHERE stream = ? AND revision <= ? ORDER BY revision LIMIT ?)`,
    );
    this.deleteOlderThan = db.prepare<[string, number, number]>(
      `DELETE FROM events WHERE position IN
         (SELECT position FROM events WHERE stream = ? AND created < ? ORDER BY revision LIMIT ?)`,
    );
    // better-sqlite3 turns a transaction inside a transaction into a savepoint: when one
    // event of a multi-event append clashes, the rows inserted before it are rolled back.
    this.insertInSavepoint = db.transaction((op: AppendOp, first: bigint, now: number) => this.insertRows(op, first, now));
    this.applyAll = db.transaction((ops: readonly WriteOp[], now: number): OpResult[] =>
      ops.map((op) => this.apply(op, now)),
    );
  }

  /** Commits `ops` together; if the transaction itself fails, every op fails with its reason. */
  commit(ops: readonly WriteOp[]): OpResult[] {
    try {
      return this.applyAll.immediate(ops, Date.now());
    } catch (error) {
      const failure = encodeFailure(error);
      return ops.map(() => ({ ok: false, failure }));
    }
  }

  private apply(op: WriteOp, now: number): OpResult {
    switch (op.kind) {
      case 'append':
        return this.append(op, now);
      case 'metadata':
        return this.setMetadata(op);
      case 'scavenge':
        return this.scavenge(op, now);
    }
  }

  private append(op: AppendOp, now: number): OpResult {
    const stored = this.lastRevision.get(op.stream);
    const actual = stored === null || stored === undefined ? undefined : BigInt(stored);
    if (!matches(op.expected, actual)) {
      return this.idempotentResult(op) ?? fail(new WrongExpectedVersion(op.stream, op.expected, actual));
    }
    const first = actual === undefined ? 0n : actual + 1n;
    let position: bigint;
    try {
      // A single INSERT that fails leaves nothing behind (statement atomicity): no savepoint.
      position = op.events.length === 1 ? this.insertRows(op, first, now) : this.insertInSavepoint(op, first, now);
    } catch (error) {
      if (!isEventIdClash(error)) throw error;
      // A retry of an earlier append, or a real conflict; no row of this append is left.
      return this.idempotentResult(op) ?? fail(this.idConflict(op));
    }
    const last = first + BigInt(op.events.length) - 1n;
    this.saveRevision.run(op.stream, last);
    return { ok: true, nextRevision: last, position, created: now };
  }

  /** Inserts `op`'s events from revision `first`; returns the position of the last one. */
  private insertRows(op: AppendOp, first: bigint, now: number): bigint {
    let revision = first;
    let position = 0n;
    for (const event of op.events) {
      const info = this.insertEvent.run(event.id, op.stream, revision, event.type, event.data, event.metadata, now);
      position = BigInt(info.lastInsertRowid);
      revision += 1n;
    }
    return position;
  }

  /**
   * The result of the earlier append when every event id of `op` is stored in its stream,
   * in order, at the revisions `op` would have given them (ESDB's idempotent append).
   */
  private idempotentResult(op: AppendOp): OpResult | undefined {
    const stored = op.events.map((event) => this.findId.get(event.id));
    const first = stored[0];
    if (!first || first.stream !== op.stream) return undefined;
    const start = BigInt(first.revision);
    const fits =
      typeof op.expected === 'bigint' ? start === op.expected + 1n : op.expected === 'no_stream' ? start === 0n : true;
    if (!fits) return undefined;
    for (let index = 0; index < stored.length; index += 1) {
      const row = stored[index];
      if (!row || row.stream !== op.stream || BigInt(row.revision) !== start + BigInt(index)) return undefined;
    }
    const lastRow = stored[stored.length - 1] as StoredId;
    return { ok: true, nextRevision: BigInt(lastRow.revision), position: BigInt(lastRow.position) };
  }

  private idConflict(op: AppendOp): EventIdConflict {
    const clashes = op.events.flatMap((event) => {
      const row = this.findId.get(event.id);
      return row ? [`${event.id} (stored in "${row.stream}" at revision ${row.revision})`] : [];
    });
    return new EventIdConflict(
      `append to "${op.stream}" reuses event ids already stored elsewhere: ${clashes.join(', ')}; ` +
        'an idempotent retry must repeat the whole earlier append with the same expected revision',
    );
  }

  private setMetadata(op: SetMetadataOp): OpResult {
    this.saveMetadata.run(op.stream, op.maxAge, op.maxCount);
    return { ok: true };
  }

  /** Deletes rows no read can return any more; stream revisions live on in `streams`. */
  private scavenge(op: ScavengeOp, now: number): OpResult {
    let deleted = 0;
    for (const row of this.limitedStreams.all()) {
      if (deleted >= op.limit) break;
      if (row.max_count !== null) {
        deleted += this.deleteBeforeRevision.run(row.stream, row.last_revision - row.max_count, op.limit - deleted).changes;
      }
      if (row.max_age !== null && deleted < op.limit) {
        deleted += this.deleteOlderThan.run(row.stream, now - row.max_age * 1000, op.limit - deleted).changes;
      }
    }
    return { ok: true, deleted };
  }
}

function fail(error: Error): OpResult {
  return { ok: false, failure: encodeFailure(error) };
}

/** The `UNIQUE(event_id)` constraint, not the `UNIQUE(stream, revision)` backstop. */
function isEventIdClash(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof message === 'string' && message.includes('events.event_id');
}

function matches(expected: ExpectedRevision, actual: bigint | undefined): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return actual === undefined;
  if (expected === 'stream_exists') return actual !== undefined;
  return actual === expected;
}

/**
 * What the writer is asked to do and what it answers. Plain data only: these cross the
 * worker-thread boundary, where errors lose their class, so failures travel encoded and
 * become typed errors again on the caller's side (`decodeFailure`).
 */
import type { TimecloudError} from '../../errors.js';
import { ConflictError, StoreError, UnavailableError, WrongExpectedVersion } from '../../errors.js';
import type { ExpectedRevision } from '../event-store.js';

/** An event checked and serialised by the caller's thread. */
export interface EncodedEvent {
  id: string;
  type: string;
  /** JSON text. */
  data: string;
  /** JSON text of an object. */
  metadata: string;
}

export interface AppendOp {
  kind: 'append';
  stream: string;
  expected: ExpectedRevision;
  events: EncodedEvent[];
}

export interface SetMetadataOp {
  kind: 'metadata';
  stream: string;
  maxAge: number | null;
  maxCount: number | null;
}

/** Deletes at most `limit` rows hidden by stream metadata. */
export interface ScavengeOp {
  kind: 'scavenge';
  limit: number;
}

export type WriteOp = AppendOp | SetMetadataOp | ScavengeOp;

export type Failure =
  | { kind: 'wrong_expected_version'; stream: string; expected: ExpectedRevision; actual: bigint | undefined }
  | { kind: 'conflict' | 'store' | 'busy'; message: string };

export type OpResult =
  /** `created`: when the rows were written now (ms); absent when they were stored by an earlier, identical append. */
  | { ok: true; nextRevision: bigint; position: bigint; created?: number }
  | { ok: true; deleted: number }
  | { ok: true }
  | { ok: false; failure: Failure };

/** An idempotent append whose event ids are stored somewhere other than where it would put them. */
export class EventIdConflict extends Error {}

/** Turns an error thrown while applying an op into plain data. */
export function encodeFailure(error: unknown): Failure {
  if (error instanceof WrongExpectedVersion) {
    return { kind: 'wrong_expected_version', stream: error.stream, expected: error.expected, actual: error.actual };
  }
  if (error instanceof EventIdConflict) return { kind: 'conflict', message: error.message };
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return { kind: 'busy', message };
  return { kind: 'store', message };
}

/** The typed error for a failure, with `context` (the file, the stream) in its message. */
export function decodeFailure(failure: Failure, context: string): TimecloudError {
  switch (failure.kind) {
    case 'wrong_expected_version':
      return new WrongExpectedVersion(failure.stream, failure.expected, failure.actual);
    case 'conflict':
      return new ConflictError(failure.message);
    case 'busy':
      return new UnavailableError(`${context}: the database stayed locked by another connection (${failure.message})`);
    case 'store':
      return new StoreError(`${context}: ${failure.message}`);
  }
}
